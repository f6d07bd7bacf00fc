"""The long-running sender: passes over the outbox, one at a time per SQLite file."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from feedback.extensions import db
from feedback.services import delivery
from feedback.services import settings as app_settings
from feedback.services.mail_transport import open_transport

log = logging.getLogger(__name__)


class WorkerLocked(RuntimeError):
    """Another worker already sends from this SQLite database."""


def new_worker_id() -> str:
    """A name that tells an operator which machine and process holds a lease."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def worker_lock(database_uri: str, *, wait: bool = False):
    """On SQLite, hold an exclusive file lock next to the database; elsewhere, nothing.

    SQLite has no SKIP LOCKED, so two workers could claim the same rows; the lock
    makes the second one refuse (or wait) instead. The OS drops it if we crash.
    """
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    path = Path(url.database + ".worker.lock")
    handle = path.open("w")
    try:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as exc:
            raise WorkerLocked(
                f"another worker is already sending from {url.database}; SQLite allows one "
                "(use PostgreSQL to run several)"
            ) from exc
        yield
    finally:
        handle.close()


def send_due(app: Flask, *, worker_id: str | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> delivery.PassResult:
    """Run passes until nothing is due (or told to stop); return the totals."""
    worker_id = worker_id or new_worker_id()
    total = delivery.PassResult()
    with app.app_context(), open_transport() as transport:
        while not should_stop():
            # Read every pass: an admin may change the reminder or link expiry at run time.
            settings = app_settings.current()
            result = delivery.run_pass(db.session, transport, worker_id=worker_id,
                                       settings=settings, should_stop=should_stop)
            for name in ("claimed", "sent", "retrying", "failed", "skipped", "expired",
                         "released"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
            total.errors.extend(result.errors)
            db.session.remove()
            # Stop when a pass settled nothing: it found nothing due, or every message it
            # tried is waiting for a retry (the relay is down, say). A pass that failed
            # some for good still made progress: more may be due behind them.
            if result.sent + result.skipped + result.failed == 0:
                break
    return total


def run_forever(app: Flask, stop: threading.Event, *, worker_id: str | None = None) -> None:
    """Loop: send what is due, sleep, repeat, until `stop` is set."""
    worker_id = worker_id or new_worker_id()
    poll = app.config["WORKER_POLL_SECONDS"]
    log.info("worker %s started", worker_id)
    while not stop.is_set():
        try:
            result = send_due(app, worker_id=worker_id, should_stop=stop.is_set)
            if result.claimed:
                log.info("worker pass: %s sent, %s retrying, %s failed, %s skipped",
                         result.sent, result.retrying, result.failed, result.skipped)
        except Exception:  # the loop must outlive a database or relay hiccup
            log.exception("worker pass failed; retrying after %ss", poll)
            with app.app_context():
                db.session.rollback()
                db.session.remove()
        stop.wait(poll)
    log.info("worker %s stopped", worker_id)
