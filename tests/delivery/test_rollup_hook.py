"""A sent survey counts in its team cell's response rate as soon as the batch is sent."""

from datetime import timedelta

from sqlalchemy import func, select

from feedback.models import ResponseRollup


def test_first_sends_are_counted_in_the_team_rollup(outbox, session, make_user,
                                                    log_conversation, start):
    ana = make_user()
    for _ in range(3):
        log_conversation(ana, occurred_at=start - timedelta(hours=3), now=start)
    result = outbox.run(start + timedelta(hours=3))
    assert result.sent == 3
    session.expire_all()
    sent = session.scalar(select(func.sum(ResponseRollup.sent))
                          .where(ResponseRollup.salesperson_id == ana.id))
    assert sent == 3
