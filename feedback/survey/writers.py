"""On SQLite, survey answers queue for the database's single write lock in the kernel.

SQLite lets one connection write at a time. A second writer that finds the lock taken
is told "busy" and sleeps before trying again (1, 2, 5, 10 ... ms), however soon the
lock is free: two gunicorn workers answering surveys spend much of their time asleep.
An exclusive flock(2) on a file next to the database queues them instead, and the next
one wakes the moment the lock is released. Writers that do not take it (the sending
worker, the CLI) still meet SQLite's own lock and wait for it as before; PostgreSQL
needs none of this (its row locks already queue).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine


def queue_file(engine: Engine) -> str | None:
    """The lock file for this engine's database, or None if it needs none."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{os.path.abspath(database)}.writers"


@contextmanager
def one_writer_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the database's writer queue around one write transaction (commit included)."""
    path = queue_file(engine)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock, whatever happened inside
