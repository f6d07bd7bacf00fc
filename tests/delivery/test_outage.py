"""An SMTP outage delays mail but loses none and sends none twice (DESIGN.md promise 3)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.models import Customer, Engagement, Invitation, InvitationStatus


def _sent_message_ids(session) -> set[str]:
    return set(session.scalars(select(Invitation.message_id)
                               .where(Invitation.status == InvitationStatus.SENT)))


@pytest.mark.slow
def test_a_thousand_due_during_an_outage_all_arrive_exactly_once(
        outbox, session, make_due, make_user, smtp_server, start):
    make_due(make_user(), 1000, send_at=start)

    smtp_server.down()
    outbox.drain(start, until=start + timedelta(minutes=30))
    # Nothing lost, nothing given up, nothing left leased.
    assert outbox.statuses() == {InvitationStatus.SCHEDULED: 1000}
    assert session.scalar(select(func.count()).where(Invitation.leased_by.is_not(None))) == 0
    # A relay that is down is probed once a pass, not hammered a thousand times.
    tried = session.scalar(select(func.count()).where(Invitation.attempts > 0))
    assert 0 < tried <= outbox.passes
    assert session.scalar(select(func.min(Invitation.last_error))
                          ).startswith("relay: ConnectionRefusedError")

    smtp_server.up()
    recovered = start + timedelta(minutes=30)
    done = outbox.drain(recovered)

    assert outbox.statuses() == {InvitationStatus.SENT: 1000}
    counts = smtp_server.message_id_counts()
    assert len(counts) == 1000 and max(counts.values()) == 1
    assert set(counts) == _sent_message_ids(session)
    recipients = [r.recipients[0] for r in smtp_server.received]
    assert sorted(recipients) == sorted(session.scalars(select(Customer.email)))
    # Back-off did not keep mail waiting for long once the relay was back.
    assert done - recovered <= timedelta(minutes=10)


def test_a_relay_saying_421_to_everyone_delays_mail_and_loses_none(
        outbox, log_conversation, make_user, smtp_server, start, session):
    ana = make_user()
    for _ in range(5):
        log_conversation(ana, now=start - timedelta(hours=2))
    smtp_server.behaviour.mail_reply = "421 4.3.2 Service not available, try again later"
    smtp_server.behaviour.mail_reply_times = 3

    first = outbox.run(start)
    assert (first.sent, first.retrying, first.failed, first.released) == (0, 1, 0, 4)
    assert outbox.statuses() == {InvitationStatus.SCHEDULED: 5}

    outbox.drain(start, until=start + timedelta(hours=1))
    assert outbox.statuses() == {InvitationStatus.SENT: 5}
    counts = smtp_server.message_id_counts()
    assert len(counts) == 5 and max(counts.values()) == 1
    assert session.scalar(select(func.max(Invitation.attempts))) >= 2


@pytest.mark.parametrize("switch, reply", [
    ("helo_reply", "554 5.7.1 Relay access denied"),
    ("mail_reply", "553 5.7.1 Sender address rejected: not owned by user"),
])
def test_a_relay_refusing_the_session_fails_nobody_for_good(
        outbox, log_conversation, make_user, smtp_server, start, session, switch, reply):
    """A 5xx about the session or our own sender is the relay's problem (a wrong password,
    a changed policy), not the recipient's: every invitation waits, none is failed."""
    ana = make_user()
    engagements = [log_conversation(ana, now=start - timedelta(hours=2)) for _ in range(3)]
    setattr(smtp_server.behaviour, switch, reply)

    outbox.drain(start, until=start + timedelta(hours=2), step=timedelta(minutes=5))
    assert outbox.statuses() == {InvitationStatus.SCHEDULED: 3}
    assert smtp_server.received == []
    assert session.scalar(select(Invitation.last_error).where(Invitation.attempts > 0)
                          .limit(1)).startswith("relay: ")

    setattr(smtp_server.behaviour, switch, None)
    outbox.drain(start + timedelta(hours=2), step=timedelta(minutes=5))
    assert outbox.statuses() == {InvitationStatus.SENT: 3}
    assert sorted(r.recipients[0] for r in smtp_server.received) == sorted(
        session.scalars(select(Customer.email).join(Engagement)
                        .where(Engagement.id.in_([e.id for e in engagements]))))
