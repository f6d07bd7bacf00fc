"""Several worker processes share one PostgreSQL queue (FOR UPDATE SKIP LOCKED) and
between them send every invitation exactly once."""

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from feedback.models import Invitation, InvitationStatus, SurveyToken
from tests.delivery.conftest import ROOT, flask_command

WORKERS = 4
DUE = 5000


@pytest.mark.slow
@pytest.mark.postgres
def test_four_workers_drain_five_thousand_invitations_exactly_once(
        session, make_due, make_user, smtp_server, worker_env, database_uri, tmp_path):
    if make_url(database_uri).get_backend_name() != "postgresql":
        pytest.skip("SQLite allows one worker at a time (see worker_lock); "
                    "run with DATABASE_URL=postgresql://... to test concurrent workers")
    ids = make_due(make_user(), DUE, send_at=datetime.now(UTC) - timedelta(minutes=1))

    # Commits need not wait for the disk here: a test database lives minutes. The
    # claiming and locking under test are the same either way.
    fast = make_url(database_uri).update_query_dict({"options": "-c synchronous_commit=off"})
    env = {**worker_env, "WORKER_BATCH_SIZE": "50",
           "DATABASE_URL": fast.render_as_string(hide_password=False)}
    logs = [tmp_path / f"worker{n}.log" for n in range(WORKERS)]
    workers = []
    try:
        for log in logs:
            with log.open("wb") as out:
                workers.append(subprocess.Popen(flask_command("send-due"), cwd=ROOT, env=env,
                                                stdout=out, stderr=subprocess.STDOUT))
        for worker in workers:
            worker.wait(timeout=120)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
    outputs = [log.read_text() for log in logs]
    assert [w.returncode for w in workers] == [0] * WORKERS, outputs

    sent_by = [int(re.search(r"^sent (\d+),", out, re.MULTILINE).group(1)) for out in outputs]
    assert sum(sent_by) == DUE
    assert all(n > 0 for n in sent_by), f"not every worker took part: {sent_by}"

    counts = smtp_server.message_id_counts()
    assert len(counts) == DUE and max(counts.values()) == 1
    assert session.scalar(select(func.count()).where(
        Invitation.id.in_(ids), Invitation.status == InvitationStatus.SENT)) == DUE
    assert set(counts) == set(session.scalars(select(Invitation.message_id)))
    # One link per invitation: no row was ever claimed by two workers at once.
    assert session.scalar(select(func.count(SurveyToken.id))) == DUE
    assert session.scalar(select(func.count(func.distinct(SurveyToken.invitation_id)))) == DUE
