"""The pool's checkout check (feedback.core.db_liveness) on real driver connections."""

from __future__ import annotations

import sqlite3
import time

import psycopg
import pytest

from feedback.core.db_liveness import server_closed
from tests.conftest import _postgres_url

PG_URL = _postgres_url()
on_postgres = pytest.mark.skipif(PG_URL is None,
                                 reason="needs PostgreSQL: run with DATABASE_URL=postgresql://...")


def _connect() -> psycopg.Connection:
    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


def test_sqlite_connections_are_never_refused(tmp_path):
    """Proves an SQLite connection (no socket, no server) always passes the check."""
    connection = sqlite3.connect(tmp_path / "x.db")
    try:
        assert server_closed(connection) is False
    finally:
        connection.close()


@on_postgres
def test_a_healthy_idle_connection_passes_and_costs_no_query():
    """Proves an idle healthy connection passes, and that the check sends nothing to the
    server: the connection's backend has run exactly the queries we ran, no more."""
    with _connect() as connection:
        connection.execute("SELECT 1")
        for _ in range(50):
            assert server_closed(connection) is False
        # Our own SELECT 1 was the last statement this backend saw: no hidden ping.
        last = connection.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()").fetchone()[0]
        assert "pg_stat_activity" in last


@on_postgres
def test_a_connection_the_server_ended_is_refused():
    """Proves a connection whose backend the server terminated (what a restart does to
    every connection) is refused at once, before any statement is tried on it."""
    victim, admin = _connect(), _connect()
    try:
        pid = victim.info.backend_pid
        assert server_closed(victim) is False
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 5
        while not server_closed(victim) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server_closed(victim) is True
    finally:
        victim.close()
        admin.close()


@on_postgres
def test_a_closed_connection_is_refused():
    """Proves a connection the driver already closed is refused."""
    connection = _connect()
    connection.close()
    assert server_closed(connection) is True
