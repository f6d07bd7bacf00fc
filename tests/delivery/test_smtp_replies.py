"""What the relay answers decides what happens: 4xx retry, 5xx give up, a bad mailbox
is suppressed, and a message the relay accepted is sent even if the line then drops."""

from datetime import timedelta

from sqlalchemy import select

from feedback.models import Invitation, InvitationStatus, SkipReason, Suppression, SuppressionReason


def _invitation(session, engagement) -> Invitation:
    session.expire_all()
    return session.get(Invitation, engagement.invitation.id)


def _conversations(log_conversation, salesperson, start, count):
    return [log_conversation(salesperson, email=f"c{i}@client.example",
                             now=start - timedelta(hours=2)) for i in range(count)]


def test_451_is_retried_later_and_delivered_once(
        outbox, session, log_conversation, make_user, smtp_server, start):
    greylisted = {"c1@client.example", "c3@client.example"}
    for address in greylisted:
        smtp_server.behaviour.rcpt_replies[address] = "451 4.7.1 Greylisted, try again later"
        smtp_server.behaviour.rcpt_reply_times[address] = 1
    engagements = _conversations(log_conversation, make_user(), start, 4)

    first = outbox.run(start)
    # One recipient's 4xx does not hold up the others in the batch.
    assert (first.sent, first.retrying, first.failed, first.released) == (2, 2, 0, 0)
    for engagement in engagements:
        invitation = _invitation(session, engagement)
        if engagement.customer.email in greylisted:
            assert invitation.status is InvitationStatus.SCHEDULED
            assert invitation.last_error.startswith("451 4.7.1")
            assert timedelta(seconds=45) <= invitation.send_at - start <= timedelta(seconds=75)

    assert outbox.run(start + timedelta(seconds=30)).claimed == 0  # not yet due again
    again = outbox.run(start + timedelta(minutes=2))
    assert (again.sent, again.retrying) == (2, 0)

    assert outbox.statuses() == {InvitationStatus.SENT: 4}
    for engagement in engagements:
        address = engagement.customer.email
        assert len(smtp_server.messages_to(address)) == 1
        assert smtp_server.rcpt_log.count(address) == (2 if address in greylisted else 1)
        assert _invitation(session, engagement).attempts == (2 if address in greylisted else 1)


def test_550_unknown_mailbox_fails_once_is_suppressed_and_never_retried(
        outbox, session, log_conversation, make_user, smtp_server, start):
    address = "gone@client.example"
    smtp_server.behaviour.rcpt_replies[address] = f"550 5.1.1 <{address}>: No such user"
    engagement = log_conversation(make_user(), email=address, now=start - timedelta(hours=2))

    result = outbox.run(start)
    assert (result.sent, result.retrying, result.failed) == (0, 0, 1)
    invitation = _invitation(session, engagement)
    assert invitation.status is InvitationStatus.FAILED
    assert invitation.send_at is None
    assert "550 5.1.1" in invitation.last_error
    assert session.scalar(select(Suppression.reason).where(Suppression.email == address)
                          ) is SuppressionReason.BOUNCED

    for later in (timedelta(hours=1), timedelta(days=3, hours=1), timedelta(days=20)):
        assert outbox.run(start + later).claimed == 0
    assert smtp_server.rcpt_log == [address]
    assert smtp_server.received == []

    # Another salesperson, long after any cooldown: still never surveyed.
    later = start + timedelta(days=90)
    again = log_conversation(make_user(), email=address.upper(), now=later,
                             occurred_at=later - timedelta(hours=1))
    assert again.invitation.status is InvitationStatus.SKIPPED
    assert again.invitation.skip_reason is SkipReason.BOUNCED
    assert outbox.run(later + timedelta(hours=3)).claimed == 0
    assert smtp_server.rcpt_log == [address]


def test_a_permanent_refusal_that_is_not_about_the_mailbox_fails_without_suppressing(
        outbox, session, log_conversation, make_user, smtp_server, start):
    address = "strict@client.example"
    smtp_server.behaviour.rcpt_replies[address] = "550 5.7.1 Rejected by local policy"
    engagement = log_conversation(make_user(), email=address, now=start - timedelta(hours=2))

    assert outbox.run(start).failed == 1
    assert _invitation(session, engagement).status is InvitationStatus.FAILED
    assert session.scalar(select(Suppression.id).where(Suppression.email == address)) is None
    assert outbox.run(start + timedelta(days=1)).claimed == 0
    assert smtp_server.rcpt_log == [address]


def test_disconnect_after_data_was_accepted_counts_as_sent_and_is_not_resent(
        outbox, session, log_conversation, make_user, smtp_server, start):
    engagements = _conversations(log_conversation, make_user(), start, 3)
    dropped = engagements[0]
    smtp_server.behaviour.disconnect_after_data = {dropped.customer.email}

    result = outbox.run(start)
    # The next message notices the dead line before sending and reconnects: all three go.
    assert (result.sent, result.retrying, result.failed) == (3, 0, 0)
    invitation = _invitation(session, dropped)
    assert invitation.status is InvitationStatus.SENT
    assert invitation.attempts == 1 and invitation.last_error is None
    [received] = smtp_server.messages_to(dropped.customer.email)
    assert received.message_id == invitation.message_id

    for later in (timedelta(minutes=5), timedelta(hours=2), timedelta(days=2)):
        assert outbox.run(start + later).claimed == 0
    counts = smtp_server.message_id_counts()
    assert len(counts) == 3 and max(counts.values()) == 1
