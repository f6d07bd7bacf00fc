"""A real `flask worker` process, killed mid-batch, loses nothing; on SQLite its lock dies
with it, and while it lives a second worker refuses to start.

The guarantee, precisely: every invitation ends sent, and the relay keeps each
Message-ID once, except that the single message in flight when the worker died (kept
by the relay, but not yet recorded as sent) is sent once more after the lease runs out,
with the same Message-ID. A message whose 250 the worker heard is never sent again.
"""

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from feedback.delivery.worker import worker_lock
from feedback.models import Invitation, InvitationStatus
from tests.delivery.conftest import ROOT, flask_command

BATCH = 30


def _is_sqlite(uri: str) -> bool:
    return make_url(uri).get_backend_name() == "sqlite"


def _wait_for(condition, *, timeout: float = 30.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def _start(args, env, log_file):
    with log_file.open("ab") as log:
        return subprocess.Popen(flask_command(*args), cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_the_one_in_flight(
        outbox, session, make_due, make_user, smtp_server, settings, worker_env, log_file,
        database_uri):
    ids = make_due(make_user(), BATCH, send_at=datetime.now(UTC) - timedelta(minutes=1))
    # A slow relay keeps each message, then takes a while to say so: the kill lands there.
    smtp_server.behaviour.data_delay = 0.2
    worker = _start(["worker"], {**worker_env, "WORKER_BATCH_SIZE": str(BATCH)}, log_file)
    try:
        _wait_for(lambda: len(smtp_server.received) >= 5 or worker.poll() is not None,
                  what="the worker to send five messages")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        _stop(worker)
    assert worker.returncode == -signal.SIGKILL, log_file.read_text()
    received_before = smtp_server.message_id_counts()

    if _is_sqlite(database_uri):
        # The OS dropped the dead worker's lock: a new worker may start at once.
        with worker_lock(database_uri):
            pass

    session.expire_all()
    invitations = session.scalars(select(Invitation).where(Invitation.id.in_(ids))).all()
    recorded = {inv.id for inv in invitations if inv.status is InvitationStatus.SENT}
    leased = [inv for inv in invitations if inv.status is InvitationStatus.SENDING]
    assert len(recorded) + len(leased) == BATCH  # it had claimed the whole batch
    assert leased, "the kill did not land mid-batch"
    # Every message but the one in flight was recorded the moment the relay took it.
    assert len(recorded) >= sum(received_before.values()) - 1
    domain = settings.from_address.rsplit("@", 1)[1]
    # Kept by the relay but never recorded: the message in flight. At most one.
    in_flight = [inv.id for inv in leased if f"<survey.{inv.id}@{domain}>" in received_before]
    assert len(in_flight) <= 1

    # Nobody touches the dead worker's claims while its lease lasts ...
    smtp_server.behaviour.data_delay = 0
    assert outbox.run(datetime.now(UTC)).claimed == 0
    # ... and once it has run out, every one of them is sent.
    outbox.drain(datetime.now(UTC) + settings.lease + timedelta(seconds=1))

    session.expire_all()
    invitations = session.scalars(select(Invitation).where(Invitation.id.in_(ids))).all()
    assert {inv.status for inv in invitations} == {InvitationStatus.SENT}
    counts = smtp_server.message_id_counts()
    assert set(counts) == {inv.message_id for inv in invitations}
    twice = [message_id for message_id, n in counts.items() if n > 1]
    assert max(counts.values()) <= 2
    assert twice == [f"<survey.{i}@{domain}>" for i in in_flight]
    # Everything the dead worker had recorded as sent went out exactly once.
    for inv in invitations:
        if inv.id in recorded:
            assert counts[inv.message_id] == 1


@pytest.mark.slow  # four `flask` processes start one after another
def test_a_second_worker_on_the_same_sqlite_file_refuses_to_start(
        worker_env, log_file, database_uri, tmp_path):
    if not _is_sqlite(database_uri):
        pytest.skip("PostgreSQL workers share the queue through SKIP LOCKED; no lock file")
    first = _start(["worker"], worker_env, log_file)
    try:
        _wait_for(lambda: b"worker running" in log_file.read_bytes() or first.poll() is not None,
                  what="the first worker to start")
        assert first.poll() is None, log_file.read_text()

        for args in (["worker"], ["send-due"]):
            second = subprocess.run(flask_command(*args), cwd=ROOT, env=worker_env,
                                    capture_output=True, text=True, timeout=60)
            assert second.returncode != 0
            assert "another worker is already sending" in second.stderr
            assert "worker running" not in second.stdout

        # With --wait it waits its turn, and starts once the first one stops.
        waiting_log = tmp_path / "waiting.log"
        waiting = _start(["worker", "--wait"], worker_env, waiting_log)
        try:
            time.sleep(1.5)
            assert waiting.poll() is None
            assert b"worker running" not in waiting_log.read_bytes()
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=30) == 0
            _wait_for(lambda: b"worker running" in waiting_log.read_bytes(),
                      what="the waiting worker to start")
            waiting.send_signal(signal.SIGTERM)
            assert waiting.wait(timeout=30) == 0
        finally:
            _stop(waiting)
    finally:
        _stop(first)
    assert os.path.exists(make_url(database_uri).database + ".worker.lock")
