"""Back-off with jitter, up to the retry horizon and no further."""

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from feedback.models import Customer, Invitation, InvitationStatus


def _greylist_forever(smtp_server, address: str) -> None:
    smtp_server.behaviour.rcpt_replies[address] = "451 4.3.0 Mailbox temporarily unavailable"


def test_retries_are_spread_by_jitter_and_back_off_exponentially(
        outbox, session, make_due, make_user, smtp_server, start):
    ids = make_due(make_user(), 40, send_at=start)
    for address in session.scalars(select(Customer.email)):
        _greylist_forever(smtp_server, address)

    outbox.run(start)
    delays = [inv.send_at - start for inv in session.scalars(select(Invitation))]
    assert len(delays) == len(ids)
    # retry_base is one minute: 45-75 seconds, and not all at the same moment.
    assert all(timedelta(seconds=45) <= d <= timedelta(seconds=75) for d in delays)
    assert len(set(delays)) > 20

    second = start + timedelta(minutes=2)
    outbox.run(second)
    session.expire_all()
    delays = [inv.send_at - second for inv in session.scalars(select(Invitation))]
    assert all(timedelta(seconds=90) <= d <= timedelta(seconds=150) for d in delays)
    assert {inv.attempts for inv in session.scalars(select(Invitation))} == {2}


def test_transient_failures_are_retried_up_to_the_horizon_then_fail(
        outbox, session, log_conversation, make_user, smtp_server, settings, start):
    settings = dataclasses.replace(settings, retry_horizon=timedelta(hours=6))
    address = "full@client.example"
    _greylist_forever(smtp_server, address)
    engagement = log_conversation(make_user(), email=address, now=start - timedelta(hours=2))
    invitation_id = engagement.invitation.id

    horizon = start + settings.retry_horizon
    outbox.drain(start, until=horizon - timedelta(minutes=1), step=timedelta(minutes=5),
                 settings=settings)
    invitation = session.get(Invitation, invitation_id)
    # Still trying just before the horizon: the last retry is due at the horizon itself,
    # even though the next back-off (four hours) would reach past it.
    assert invitation.status is InvitationStatus.SCHEDULED
    assert invitation.send_at == horizon
    tries = invitation.attempts
    assert 7 <= tries <= 10  # 1, 2, 4 ... minutes apart, then the capped four hours

    result = outbox.run(horizon, settings=settings)
    assert (result.retrying, result.failed) == (0, 1)
    session.expire_all()
    invitation = session.get(Invitation, invitation_id)
    assert invitation.status is InvitationStatus.FAILED
    assert invitation.attempts == tries + 1
    assert invitation.last_error.startswith("451 4.3.0")
    assert smtp_server.rcpt_log.count(address) == tries + 1
    assert outbox.run(horizon + timedelta(days=1), settings=settings).claimed == 0


def test_a_reminder_that_meets_a_4xx_is_retried_not_dropped(
        outbox, session, log_conversation, make_user, smtp_server, settings, start):
    """The horizon for a reminder counts from when it fell due, not from the first send
    three days (= the whole default 72-hour horizon) earlier."""
    address = "busy@client.example"
    engagement = log_conversation(make_user(), email=address, now=start - timedelta(hours=2))
    assert outbox.run(start).sent == 1

    due = start + settings.reminder_after
    smtp_server.behaviour.rcpt_replies[address] = "451 4.2.1 Try again later"
    smtp_server.behaviour.rcpt_reply_times[address] = 1
    assert outbox.run(due).retrying == 1
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.status is InvitationStatus.SENT
    assert invitation.reminder_sent_at is None
    assert due < invitation.send_at <= due + timedelta(minutes=5)

    assert outbox.run(due + timedelta(minutes=5)).sent == 1
    session.expire_all()
    assert session.get(Invitation, engagement.invitation.id).reminder_sent_at is not None
    subjects = [r.message["Subject"] for r in smtp_server.messages_to(address)]
    assert len(subjects) == 2 and subjects[1].startswith("A gentle reminder")
