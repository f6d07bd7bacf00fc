"""Two answers in one rollup part, recorded at the same moment, are both counted.

PostgreSQL only: SQLite has a single writer, so there the question does not arise.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from feedback.models import Invitation, Pressure
from feedback.survey import answers
from tests.team.helpers import at, recount, sent_conversation, stored_rollups


def _record(session: Session, invitation_id: int, settings) -> None:
    invitation = session.get(Invitation, invitation_id)
    answers.record(session, invitation,
                   answers.Answers(respected=5, helped=5, pressure=Pressure.NO,
                                   doubtful_promise=False, reveal_identity=True),
                   settings, now=invitation.first_sent_at + timedelta(hours=1))


def test_concurrent_answers_are_both_counted(engine, session, settings, make_user):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; run with DATABASE_URL=postgresql://...")
    ana = make_user()
    first, second = (sent_conversation(session, ana, at(date(2025, 3, 11), hour)).id
                     for hour in (9, 10))
    session.commit()

    with Session(engine) as one, Session(engine) as two:
        _record(one, first, settings)  # counted the part and holds its row until commit
        errors: list[BaseException] = []

        def answer_second():
            try:
                _record(two, second, settings)
                two.commit()
            except BaseException as error:  # reported by the assertions below
                errors.append(error)

        waiting = threading.Thread(target=answer_second)
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive(), "the second refresh should wait for the first's lock"
        one.commit()
        waiting.join(timeout=10)
        assert not waiting.is_alive() and not errors

    stored = stored_rollups(session, [ana.team_id])
    assert stored == recount(session, [ana.team_id])
    [part] = stored.values()
    assert part["answers"] == 2
