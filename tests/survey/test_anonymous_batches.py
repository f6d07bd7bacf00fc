"""Anonymous answers are released in batches of at least three, even when two customers of
one salesperson answer at the same moment.

PostgreSQL only: SQLite has a single writer, so there two answers never overlap.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from feedback.models import Invitation, Pressure, Response
from feedback.privacy.anonymity import RELEASE_BATCH
from feedback.survey import answers

ANONYMOUS = answers.Answers(respected=4, helped=4, pressure=Pressure.NO,
                            doubtful_promise=False)


def _record(session: Session, invitation_id: int, settings) -> None:
    invitation = session.get(Invitation, invitation_id)
    answers.record(session, invitation, ANONYMOUS, settings,
                   now=invitation.first_sent_at + timedelta(hours=1))


def _someone_waits_for_a_lock(engine, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar()
            if waiting:
                return True
            conn.rollback()
            time.sleep(0.02)
    return False


def test_two_answers_completing_a_batch_at_once_never_release_one_alone(
        engine, session, settings, make_user, survey_link):
    """Proves that when two anonymous answers arrive together and each would complete a
    batch, one releases a batch of three and the other waits: no answer reaches the
    salesperson alone (its arrival time would name its customer). Without the lock on the
    salesperson, the second transaction releases its own answer by itself."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; run with DATABASE_URL=postgresql://...")
    ana = make_user(name="Ana Lopez")
    links = [survey_link(ana)[0].invitation.id for _ in range(4)]
    for invitation_id in links[:RELEASE_BATCH - 1]:  # two already waiting
        _record(session, invitation_id, settings)
        session.commit()

    with Session(engine) as one, Session(engine) as two:
        _record(one, links[2], settings)  # completes the batch, holds the salesperson
        errors: list[BaseException] = []

        def answer_at_the_same_moment():
            try:
                _record(two, links[3], settings)
                two.commit()
            except BaseException as error:  # reported by the assertions below
                errors.append(error)

        second = threading.Thread(target=answer_at_the_same_moment)
        second.start()
        try:
            assert _someone_waits_for_a_lock(engine), "the second answer should queue"
        finally:
            one.commit()
            second.join(timeout=10)
        assert not second.is_alive() and not errors

    session.expire_all()
    released = Counter(session.scalars(
        select(Response.released_at).where(Response.released_at.is_not(None))))
    assert list(released.values()) == [RELEASE_BATCH]
    assert session.scalar(select(func.count()).where(Response.released_at.is_(None))) == 1
