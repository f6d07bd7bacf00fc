"""Leases: a dead worker's claims come back when its lease runs out, a worker whose lease
ran out can no longer record anything, and no worker sends on a lease about to run out."""

import itertools
from datetime import timedelta

from sqlalchemy import select

from feedback.core import settings_store as app_settings
from feedback.delivery import outbox as delivery
from feedback.delivery.transport import SmtpTransport
from feedback.delivery.worker import send_due
from feedback.models import Invitation, InvitationStatus, Role, SurveyToken


def test_a_dead_workers_claims_are_sent_once_after_its_lease_runs_out(
        outbox, session, make_due, make_user, smtp_server, settings, start):
    ids = make_due(make_user(), 5, send_at=start)
    # A worker claims the batch and dies before sending anything.
    claims = delivery.claim_batch(session, worker_id="dead", settings=settings, now=start)
    session.commit()
    assert sorted(c.invitation_id for c in claims) == sorted(ids)

    # Until the lease runs out nobody else touches them.
    assert outbox.run(start + settings.lease - timedelta(seconds=1)).claimed == 0
    result = outbox.run(start + settings.lease + timedelta(seconds=1))
    assert (result.claimed, result.sent) == (5, 5)
    assert outbox.statuses() == {InvitationStatus.SENT: 5}
    assert sorted(smtp_server.message_id_counts().values()) == [1] * 5


def test_a_worker_whose_lease_was_taken_over_cannot_record(
        outbox, session, make_due, make_user, settings, start):
    [invitation_id] = make_due(make_user(), 1, send_at=start)
    [stale] = delivery.claim_batch(session, worker_id="slow", settings=settings, now=start)
    session.commit()
    assert outbox.run(start + settings.lease + timedelta(seconds=1)).sent == 1
    sent = session.get(Invitation, invitation_id)
    message_id, sent_at = sent.message_id, sent.sent_at

    # The slow worker wakes up and reports its (duplicate) outcome: it changes nothing.
    late = start + settings.lease + timedelta(minutes=1)
    delivery.record_sent(session, stale, worker_id="slow", settings=settings, now=late,
                         progress={"attempts": 7, "first_attempt_at": late})
    session.commit()
    session.expire_all()
    after = session.get(Invitation, invitation_id)
    assert (after.status, after.message_id, after.sent_at, after.attempts) == (
        InvitationStatus.SENT, message_id, sent_at, 1)


def test_a_worker_gives_back_what_it_cannot_send_before_half_its_lease_is_gone(
        app, session, make_due, make_user, smtp_server, settings, start):
    """Sending on a lease that may already have run out could race a worker that
    reclaimed it; the rest of the batch goes back to the queue instead."""
    make_due(make_user(), 10, send_at=start)
    ticks = itertools.count()

    def slow_clock():  # every look at the clock is a minute later: a crawling relay
        return start + timedelta(minutes=next(ticks))

    with app.app_context(), SmtpTransport() as transport:
        result = delivery.run_pass(session, transport, worker_id="w", settings=settings,
                                   now=slow_clock)
    assert result.claimed == 10
    assert 0 < result.sent < 10 and result.sent + result.released == 10
    session.expire_all()
    waiting = session.scalars(select(Invitation).where(
        Invitation.status == InvitationStatus.SCHEDULED)).all()
    assert len(waiting) == result.released
    assert all(inv.leased_by is None and inv.lease_until is None for inv in waiting)
    # The tokens minted for the unsent ones are gone: no link exists that was never mailed.
    assert session.scalar(select(SurveyToken.id).where(
        SurveyToken.invitation_id.in_([inv.id for inv in waiting])).limit(1)) is None
    assert len(smtp_server.received) == result.sent


def test_send_due_goes_on_past_a_batch_that_failed_for_good(
        app, monkeypatch, log_conversation, make_user, smtp_server, session):
    monkeypatch.setitem(app.config, "WORKER_BATCH_SIZE", 2)
    ana = make_user()
    for i in range(2):
        address = f"bad{i}@client.example"
        smtp_server.behaviour.rcpt_replies[address] = "550 5.1.1 No such user"
        log_conversation(ana, email=address)
    good = log_conversation(ana, email="good@client.example")

    result = send_due(app)
    assert (result.failed, result.sent) == (2, 1)
    assert session.get(Invitation, good.invitation.id).status is InvitationStatus.SENT
    assert len(smtp_server.messages_to("good@client.example")) == 1


def test_send_due_stops_when_the_relay_is_down_and_loses_nothing(
        app, make_due, make_user, smtp_server, session, start):
    make_due(make_user(), 30, send_at=start - timedelta(minutes=1))
    smtp_server.down()
    result = send_due(app)
    assert (result.sent, result.failed, result.retrying) == (0, 0, 1)
    assert result.released == 29
    statuses = set(session.scalars(select(Invitation.status)))
    assert statuses == {InvitationStatus.SCHEDULED}


def test_send_due_uses_the_settings_an_admin_changed(
        app, make_user, log_conversation, smtp_server, session):
    admin = make_user(Role.ADMIN)
    app_settings.save(session, admin, {"LINK_EXPIRY_DAYS": 7, "REMINDER_AFTER_DAYS": 2},
                      app.config)
    session.commit()
    engagement = log_conversation(make_user())

    assert send_due(app).sent == 1
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.expires_at == invitation.first_sent_at + timedelta(days=7)
    assert invitation.send_at == invitation.first_sent_at + timedelta(days=2)


def test_a_reminder_held_by_a_dead_worker_is_not_sent_after_the_link_expired(
        outbox, session, make_due, make_user, smtp_server, settings, start):
    [invitation_id] = make_due(make_user(), 1, send_at=start)
    assert outbox.run(start).sent == 1
    due = start + settings.reminder_after
    [claim] = delivery.claim_batch(session, worker_id="dead", settings=settings, now=due)
    session.commit()
    assert claim.reminder

    result = outbox.run(start + settings.link_expiry + timedelta(minutes=1))
    assert (result.expired, result.claimed) == (1, 0)
    session.expire_all()
    invitation = session.get(Invitation, invitation_id)
    assert invitation.status is InvitationStatus.EXPIRED
    assert invitation.leased_by is None and invitation.reminder_sent_at is None
    assert len(smtp_server.received) == 1
