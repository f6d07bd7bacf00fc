"""A real `flask worker` process stops promptly on SIGTERM or SIGINT, whatever it is doing,
exits with status 0, and leaves no invitation claimed and no message half-recorded.

The states: asleep between polls, waiting for another worker's SQLite lock (--wait),
and in the middle of a batch while the relay takes its time over a message. The
bound (STOP_WITHIN) is far below what a worker that ignored the signal would take: a
60 s poll, a lock held until the test ends, a batch a second per message.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from feedback.delivery.worker import worker_lock
from feedback.models import Invitation, InvitationStatus, SurveyToken
from tests.delivery.conftest import ROOT, flask_command

#: Seconds from the signal to the process's exit (most of it is the interpreter's exit).
STOP_WITHIN = 3.0


def _start(env: dict[str, str], log_file, *args: str) -> subprocess.Popen:
    with log_file.open("ab") as log:
        return subprocess.Popen(flask_command("worker", *args), cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def _wait_for(condition, what: str, process: subprocess.Popen, log_file,
              timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"worker exited before {what}:\n{log_file.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log_file.read_text()}")
        time.sleep(0.01)


def _stop_and_time(process: subprocess.Popen, signum: int) -> tuple[int, float]:
    """Send `signum`; return the exit status and the seconds it took (killed past 30 s)."""
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the worker ignored signal {signum} for 30 s") from None
    return code, time.monotonic() - sent


def _logged(log_file, text: str):
    return lambda: text.encode() in log_file.read_bytes()


@pytest.fixture
def workers():
    """Every worker a test starts is killed at the end, whatever the test asserted."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
def test_a_sleeping_worker_stops_at_once_on_ctrl_c(worker_env, log_file, workers):
    """Asleep between polls (the poll is 60 s here), SIGINT (Ctrl-C; the other states use
    SIGTERM, which takes the same handler) wakes it and it exits 0, not with a
    KeyboardInterrupt. A sleep that Python resumes after the handler (time.sleep) fails."""
    worker = _start({**worker_env, "WORKER_POLL_SECONDS": "60"}, log_file)
    workers.append(worker)
    _wait_for(_logged(log_file, " started"), "the worker to start", worker, log_file)
    time.sleep(0.3)  # past the first (empty) pass, into the sleep

    code, took = _stop_and_time(worker, signal.SIGINT)
    assert code == 0, log_file.read_text()
    assert took < STOP_WITHIN, f"took {took:.1f}s to stop"
    assert b" stopped" in log_file.read_bytes()


@pytest.mark.slow
def test_a_worker_waiting_for_the_sqlite_lock_stops_without_waiting_its_turn(
        database_uri, make_due, make_user, smtp_server, worker_env, log_file, workers,
        session):
    """With --wait, blocked behind a running worker, SIGTERM ends the wait: exit 0 at once,
    never "worker running", nothing sent, although the lock is still taken."""
    if make_url(database_uri).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL workers share the queue through SKIP LOCKED; no lock file")
    ids = make_due(make_user(), 3, send_at=datetime.now(UTC) - timedelta(minutes=1))
    with worker_lock(database_uri):  # this test process is "the running worker"
        worker = _start(worker_env, log_file, "--wait")
        workers.append(worker)
        _wait_for(_logged(log_file, "waiting for it to stop"), "the worker to wait",
                  worker, log_file)
        time.sleep(0.5)

        code, took = _stop_and_time(worker, signal.SIGTERM)
        assert code == 0, log_file.read_text()
        assert took < STOP_WITHIN, f"took {took:.1f}s to stop"
    output = log_file.read_text()
    assert "worker running" not in output
    assert "stopped before its turn came" in output
    assert smtp_server.received == []
    statuses = set(session.scalars(select(Invitation.status).where(Invitation.id.in_(ids))))
    assert statuses == {InvitationStatus.SCHEDULED}


@pytest.mark.slow
def test_a_worker_stopped_mid_batch_finishes_the_message_in_flight_and_gives_back_the_rest(
        make_due, make_user, smtp_server, worker_env, log_file, workers, session):
    """The relay takes a second over each message; SIGTERM lands while it holds one.
    The worker records that message sent, gives the rest back unclaimed (no survey link
    minted for a message never mailed), and exits 0 well before the batch would end."""
    batch = 5
    ids = make_due(make_user(), batch, send_at=datetime.now(UTC) - timedelta(minutes=1))
    smtp_server.behaviour.data_delay = 1.0
    worker = _start({**worker_env, "WORKER_BATCH_SIZE": str(batch)}, log_file)
    workers.append(worker)
    # The server keeps a message before its delay: from here it is "in flight".
    _wait_for(lambda: len(smtp_server.received) >= 1, "the first message", worker, log_file)

    code, took = _stop_and_time(worker, signal.SIGTERM)
    assert code == 0, log_file.read_text()
    assert took < STOP_WITHIN, f"took {took:.1f}s to stop"

    kept = {received.message_id for received in smtp_server.received}
    assert 1 <= len(kept) < batch, "the signal did not land mid-batch"
    assert len(kept) == len(smtp_server.received)  # none twice
    invitations = session.scalars(select(Invitation).where(Invitation.id.in_(ids))).all()
    sent = [inv for inv in invitations if inv.status is InvitationStatus.SENT]
    waiting = [inv for inv in invitations if inv.status is InvitationStatus.SCHEDULED]
    # Everything the relay kept is recorded sent (nothing half-sent) ...
    assert {inv.message_id for inv in sent} == kept
    # ... and everything else is back in the queue, claimed by nobody.
    assert len(sent) + len(waiting) == batch
    assert all(inv.leased_by is None and inv.lease_until is None for inv in invitations)
    assert all(inv.attempts == 0 for inv in waiting)
    tokens = dict(session.execute(
        select(SurveyToken.invitation_id, func.count()).where(SurveyToken.invitation_id.in_(ids))
        .group_by(SurveyToken.invitation_id)).all())
    assert tokens == {inv.id: 1 for inv in sent}


@pytest.mark.slow
def test_a_worker_stopped_while_the_relay_hangs_gives_the_message_back_within_the_timeout(
        app, make_due, make_user, smtp_server, worker_env, log_file, workers, session):
    """A relay that never answers: the worker does not wait longer than the mail timeout
    for it, then exits 0 with the message back in the queue for a retry (not left
    "sending" under its lease until the lease runs out)."""
    timeout = app.config["MAIL_TIMEOUT_SECONDS"]
    [invitation_id] = make_due(make_user(), 1,
                               send_at=datetime.now(UTC) - timedelta(minutes=1))
    smtp_server.behaviour.data_delay = timeout + 5
    worker = _start(worker_env, log_file)
    workers.append(worker)
    _wait_for(lambda: len(smtp_server.received) >= 1, "the message", worker, log_file)

    code, took = _stop_and_time(worker, signal.SIGTERM)
    assert code == 0, log_file.read_text()
    assert took < timeout + STOP_WITHIN, f"took {took:.1f}s to stop"

    invitation = session.get(Invitation, invitation_id)
    assert invitation.status is InvitationStatus.SCHEDULED
    assert (invitation.leased_by, invitation.lease_until) == (None, None)
    assert invitation.last_error.startswith("relay:")
    assert session.scalar(select(func.count()).select_from(SurveyToken)) == 0
