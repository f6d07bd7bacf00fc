"""The long-running sender: passes over the outbox, one at a time per SQLite file."""

from __future__ import annotations

import fcntl
import logging
import os
import select
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from flask import Flask
from sqlalchemy.engine import make_url

from feedback.core import settings as app_settings
from feedback.core.extensions import db
from feedback.delivery import outbox as delivery
from feedback.delivery.transport import open_transport

log = logging.getLogger(__name__)

#: How often a worker started with --wait looks again at the SQLite lock.
LOCK_RETRY_SECONDS = 0.2


class WorkerLocked(RuntimeError):
    """Another worker already sends from this SQLite database."""


class StoppedWaiting(RuntimeError):
    """Told to stop while waiting for another worker's SQLite lock."""


class Stop(Protocol):
    """What the loop needs of a stop request; threading.Event fits too."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class StopSignal:
    """A stop request that a signal handler may set, and that wakes a sleeping worker.

    Not threading.Event: its set() takes a lock that the interrupted main thread may
    hold inside Event.wait(), and the handler would then wait for ever on itself. Nor a
    plain sleep: Python resumes time.sleep() or a blocking flock() after the handler
    returns (PEP 475), so the stop would wait for the sleep to end. Here set() takes no
    lock and writes a byte that ends the select() in wait() at once.
    """

    def __init__(self) -> None:
        self._set = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def set(self) -> None:
        self._set = True
        try:
            os.write(self._write, b"!")
        except OSError:  # the pipe is full (asked many times) or closed: woken already
            pass

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to `timeout` seconds, less if told to stop; return whether told."""
        if not self._set:
            select.select([self._read], [], [], timeout)
        return self._set

    def close(self) -> None:
        os.close(self._read)
        os.close(self._write)

    def __enter__(self) -> StopSignal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def new_worker_id() -> str:
    """A name that tells an operator which machine and process holds a lease."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def worker_lock(database_uri: str, *, wait: bool = False, stop: Stop | None = None,
                on_wait: Callable[[], None] = lambda: None):
    """On SQLite, hold an exclusive file lock next to the database; elsewhere, nothing.

    SQLite has no SKIP LOCKED, so two workers could claim the same rows; the lock
    makes the second one refuse (or wait) instead. The OS drops it if we crash.
    Waiting polls a non-blocking lock rather than blocking in flock(): a blocked
    flock() is resumed after a signal handler, so a waiting worker could not be
    stopped; `stop` ends the wait with StoppedWaiting. `on_wait` is called once, when
    the wait begins.
    """
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    path = Path(url.database + ".worker.lock")
    handle = path.open("w")
    try:
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if not wait:
                    raise WorkerLocked(
                        f"another worker is already sending from {url.database}; SQLite "
                        "allows one (use PostgreSQL to run several)"
                    ) from exc
            if not waiting:
                waiting = True
                on_wait()
            if stop is None:
                time.sleep(LOCK_RETRY_SECONDS)
            elif stop.wait(LOCK_RETRY_SECONDS):
                raise StoppedWaiting("stopped while waiting for the other worker")
        yield
    finally:
        handle.close()


def send_due(app: Flask, *, worker_id: str | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> delivery.PassResult:
    """Run passes until nothing is due (or told to stop); return the totals.

    Told to stop mid-batch, the message in flight is finished and recorded (cutting
    it off could leave the relay holding a copy we would send again) and the rest of
    the batch is given back, so the wait is one relay reply, at most MAIL_TIMEOUT_SECONDS.
    """
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


def run_forever(app: Flask, stop: Stop, *, worker_id: str | None = None) -> None:
    """Loop: send what is due, sleep, repeat, until `stop` is set."""
    worker_id = worker_id or new_worker_id()
    poll = app.config["WORKER_POLL_SECONDS"]
    log.info("worker %s started", worker_id)
    while not stop.is_set():
        try:
            result = send_due(app, worker_id=worker_id, should_stop=stop.is_set)
            if result.claimed:
                log.info("worker pass: %s sent, %s retrying, %s failed, %s skipped, "
                         "%s given back", result.sent, result.retrying, result.failed,
                         result.skipped, result.released)
        except Exception:  # the loop must outlive a database or relay hiccup
            log.exception("worker pass failed; retrying after %ss", poll)
            with app.app_context():
                db.session.rollback()
                db.session.remove()
        stop.wait(poll)
    log.info("worker %s stopped", worker_id)
