"""One reminder, three days on, only if unanswered and still open; the link lives 14 days."""

import re
from datetime import UTC, datetime, timedelta

from feedback.models import Invitation, InvitationStatus
from tests.conftest import csrf_from
from tests.delivery.conftest import path_of

SURVEY = re.compile(r"https://feedback\.test/s/[A-Za-z0-9_-]{32}(?=\s)")


def _survey_path(received) -> str:
    return path_of(SURVEY.search(received.message.get_body(("plain",)).get_content()).group(0))


def _invitation(session, engagement) -> Invitation:
    session.expire_all()
    return session.get(Invitation, engagement.invitation.id)


def test_one_reminder_after_three_days_when_unanswered(
        app, outbox, session, log_conversation, make_user, smtp_server, settings, start):
    address = "rosa@client.example"
    engagement = log_conversation(make_user(), email=address, now=start)
    assert outbox.run(start).sent == 1
    assert outbox.run(start + timedelta(days=3) - timedelta(minutes=1)).claimed == 0

    due = start + timedelta(days=3, minutes=1)
    assert outbox.run(due).sent == 1
    invitation = _invitation(session, engagement)
    assert invitation.status is InvitationStatus.SENT
    assert invitation.reminder_sent_at == due and invitation.send_at is None
    assert invitation.expires_at == start + timedelta(days=14)  # the reminder does not extend it

    survey, reminder = smtp_server.messages_to(address)
    assert reminder.message["Subject"].startswith("A gentle reminder from")
    assert reminder.message_id == f"<reminder.{invitation.id}@localhost>"
    assert reminder.message_id != survey.message_id == invitation.message_id
    assert "A short reminder" in reminder.message.get_body(("plain",)).get_content()
    customer = app.test_client()
    for received in (survey, reminder):  # both links open the same survey
        assert customer.get(_survey_path(received)).status_code == 200

    for later in (4, 7, 13):
        assert outbox.run(start + timedelta(days=later)).claimed == 0
    assert len(smtp_server.messages_to(address)) == 2


def test_no_reminder_once_answered(
        app, outbox, session, log_conversation, make_user, smtp_server, start):
    engagement = log_conversation(make_user(), email="rosa@client.example", now=start)
    outbox.run(start)
    customer = app.test_client()
    path = _survey_path(smtp_server.received[0])
    form = customer.get(path)
    assert customer.post(path, data={"csrf_token": csrf_from(form.text), "respected": "5",
                                     "helped": "4", "pressure": "no",
                                     "doubtful_promise": "no"}).status_code == 303
    assert _invitation(session, engagement).status is InvitationStatus.ANSWERED

    for later in (3, 4, 10):
        assert outbox.run(start + timedelta(days=later, minutes=1)).claimed == 0
    assert len(smtp_server.received) == 1


def test_no_reminder_after_the_link_expired(
        outbox, session, log_conversation, make_user, smtp_server, start):
    """The worker was down from day one to day fifteen: the reminder is not sent late."""
    engagement = log_conversation(make_user(), email="rosa@client.example", now=start)
    outbox.run(start)
    result = outbox.run(start + timedelta(days=15))
    assert (result.expired, result.claimed) == (1, 0)
    invitation = _invitation(session, engagement)
    assert invitation.status is InvitationStatus.EXPIRED
    assert invitation.send_at is None and invitation.reminder_sent_at is None
    assert len(smtp_server.received) == 1


def test_the_link_expires_14_days_after_first_send(
        app, outbox, session, log_conversation, make_user, smtp_server, settings):
    now = datetime.now(UTC)
    ana = make_user()
    old_sent = now - timedelta(days=14, minutes=1)
    young_sent = now - timedelta(days=14) + timedelta(hours=1)
    old = log_conversation(ana, email="old@client.example", now=old_sent,
                           occurred_at=old_sent - timedelta(hours=3))
    assert outbox.run(old_sent).sent == 1
    young = log_conversation(ana, email="young@client.example", now=young_sent,
                             occurred_at=young_sent - timedelta(hours=3))
    assert outbox.run(young_sent).sent == 1
    for engagement, sent_at in ((old, old_sent), (young, young_sent)):
        invitation = _invitation(session, engagement)
        assert invitation.first_sent_at == sent_at
        assert invitation.expires_at == sent_at + settings.link_expiry

    old_mail, young_mail = smtp_server.received
    customer = app.test_client()
    assert customer.get(_survey_path(old_mail)).status_code == 404
    assert customer.head(_survey_path(old_mail)).status_code == 404
    assert customer.get(_survey_path(young_mail)).status_code == 200
    # Unsubscribing is promised forever, so even the expired email's link still works.
    unsubscribe = old_mail.message["List-Unsubscribe"].split(">")[0].lstrip("<")
    assert customer.get(path_of(unsubscribe)).status_code == 200

    result = outbox.run(now)
    assert result.expired == 1
    assert _invitation(session, old).status is InvitationStatus.EXPIRED
    assert _invitation(session, young).status is InvitationStatus.SENT
    # Only the still-open one was reminded.
    assert len(smtp_server.messages_to("old@client.example")) == 1
    assert len(smtp_server.messages_to("young@client.example")) == 2


def test_reminders_given_back_during_an_outage_go_out_once_it_ends(
        outbox, session, log_conversation, make_user, smtp_server, settings, start):
    ana = make_user()
    engagements = [log_conversation(ana, email=f"c{i}@client.example", now=start)
                   for i in range(3)]
    assert outbox.run(start).sent == 3
    due = start + settings.reminder_after

    smtp_server.down()
    result = outbox.run(due)
    assert (result.claimed, result.retrying, result.released) == (3, 1, 2)
    invitations = [_invitation(session, e) for e in engagements]
    assert {i.status for i in invitations} == {InvitationStatus.SENT}
    assert all(i.leased_by is None and i.reminder_sent_at is None for i in invitations)
    assert sorted(i.send_at for i in invitations)[:2] == [due, due]  # still due, untouched

    smtp_server.up()
    outbox.drain(due + timedelta(minutes=1), until=due + timedelta(minutes=10))
    invitations = [_invitation(session, e) for e in engagements]
    assert all(i.reminder_sent_at is not None for i in invitations)
    counts = smtp_server.message_id_counts()
    assert sorted(counts) == sorted([f"<survey.{i.id}@localhost>" for i in invitations]
                                    + [f"<reminder.{i.id}@localhost>" for i in invitations])
    assert max(counts.values()) == 1
