"""Concurrent respondents under gunicorn (several sync workers) on PostgreSQL, briefly:
the load script benchmarks/concurrent_respondents.py, run as an operator would.

PostgreSQL only. Each run costs ~10-15 s (migrating a fresh database, starting
gunicorn, a few seconds of load); they are the only tests that put several worker
processes on one database at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from benchmarks import private_postgres
from feedback import ROOT
from tests.conftest import _postgres_url

pytestmark = pytest.mark.slow

#: 3 sync workers, 10 respondents at a time; tables from the models, not the migrations
#: (test_migrations proves they are the same), to save ~4 s a run.
BRIEF = ("--concurrency", "10", "--workers", "3", "--fast-schema")


def _run(*args: str) -> dict:
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL only (the suite runs on SQLite): gunicorn's worker processes "
                    "share one database, which on SQLite means one writer at a time")
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    env = {**os.environ, "BENCH_PG_URL": admin}
    done = subprocess.run([sys.executable, "-m", "benchmarks.concurrent_respondents", "--json",
                           *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), done.stdout + done.stderr
    result = json.loads(lines[-1])
    print("\n".join(lines[:-1]))  # the figures, shown with -s or on failure
    return result


def test_concurrent_respondents_store_every_answer_once_with_no_5xx():
    """Proves, across several gunicorn workers and concurrent customers (some editing their
    answer): stored answers == accepted first submissions == invitations answered, no
    partial rows, zero 5xx and zero socket errors."""
    result = _run("--duration", "3", "--invitations", "250", *BRIEF)
    assert result["accepted"] > 20 and result["edits"] > 0
    assert result["stored"] == result["accepted"] == result["answered"]
    assert result["5xx"] == 0 and result["socket_errors"] == 0 and result["unfinished"] == 0
    assert result["answer_without_answered_invitation"] == 0
    assert result["answered_invitation_without_answer"] == 0
    assert result["rollup_answers"] == result["released_answers"]
    assert result["ok"], result["checks"]


def test_a_database_restart_under_load_is_503_then_recovery():
    """Proves, under the same load, that stopping and starting the database (a private
    cluster) gives 503s with Retry-After while it is down and never a 500, that every
    worker recovers by itself once it is back, and that no partial rows are left."""
    if _postgres_url() is not None and (reason := private_postgres.unavailable_reason()):
        pytest.skip(f"no private PostgreSQL cluster here: {reason}")
    result = _run("--restart-db", "--duration", "4", "--restart-at", "1.2", "--down", "1.2",
                  "--invitations", "400", *BRIEF)
    outage = result["restart"]
    assert outage["503_while_down"] > 0 and result["503_without_retry_after"] == 0
    assert result["5xx_not_503"] == 0, result["statuses"]
    assert result["tracebacks"] == 0, result["server_errors"]
    assert outage["503_sent_after_back"] == 0
    assert outage["health_503_while_down"] == outage["health_probes_while_down"] > 0
    assert outage["health_recovered_after_s"] is not None
    assert outage["health_recovered_after_s"] < 5
    assert outage["first_answer_served_after_s"] is not None
    assert result["answer_without_answered_invitation"] == 0
    assert result["answered_invitation_without_answer"] == 0
    assert result["stored"] == result["answered"]
    assert result["accepted"] <= result["stored"] <= (result["accepted"]
                                                      + result["unsure_not_accepted"])
    assert result["ok"], result["checks"]
