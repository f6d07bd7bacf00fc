"""Delivery: outcome counts and reasons over a period, and the sender's health; counts
only, never an address or an answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.admin import delivery_report
from feedback.models import Invitation, InvitationStatus, SuppressionReason
from feedback.survey import do_not_survey as suppressions


def _set(session, engagement, **values) -> None:
    invitation = session.get(Invitation, engagement.invitation.id)
    for name, value in values.items():
        setattr(invitation, name, value)
    session.commit()


def test_counts_by_status_and_reason(client, admin, make_user, log_conversation, session):
    seller = make_user()
    now = datetime.now(UTC)
    due = log_conversation(seller)
    _set(session, due, send_at=now - timedelta(hours=1))  # due for an hour: nobody sends
    suppressions.suppress(session, "gone@client.example", SuppressionReason.UNSUBSCRIBED)
    session.commit()
    log_conversation(seller, email="gone@client.example")  # skipped: unsubscribed
    log_conversation(seller, occurred_at=now - timedelta(days=40))  # skipped: too old
    failed = log_conversation(seller)
    _set(session, failed, status=InvitationStatus.FAILED, send_at=None,
         last_error="550 5.1.1 <victim@client.example>: Recipient address rejected")
    relay = log_conversation(seller)
    _set(session, relay, status=InvitationStatus.FAILED, send_at=None,
         last_error="relay: SMTPServerDisconnected: Connection unexpectedly closed")
    held = log_conversation(seller)
    _set(session, held, status=InvitationStatus.SENDING, lease_until=now - timedelta(minutes=1),
         leased_by="host:1:abc")
    retry = log_conversation(seller)
    _set(session, retry, attempts=2, send_at=now + timedelta(minutes=5),
         last_error="451 4.3.0 try later")

    report = delivery_report.report(session, days=30, now=now + timedelta(seconds=1))
    counts = dict(report.by_status)
    assert counts[InvitationStatus.SCHEDULED] == 2
    assert counts[InvitationStatus.SKIPPED] == 2
    assert counts[InvitationStatus.FAILED] == 2
    assert counts[InvitationStatus.SENDING] == 1
    assert report.total == 7
    assert {reason.value for reason, _, _ in report.skipped} == {"unsubscribed", "too_old"}
    assert dict(report.failures) == {"550 5.1.1": 1, "relay: SMTPServerDisconnected": 1}

    health = delivery_report.worker_health(session, now=now + timedelta(seconds=1))
    assert health.due_now == 1
    assert timedelta(minutes=59) < health.oldest_due_for < timedelta(minutes=61)
    assert health.oldest_due_at == session.get(Invitation, due.invitation.id).send_at
    assert (health.leased, health.leases_expired, health.retrying) == (1, 1, 1)

    page = client.get("/admin/delivery?days=30")
    assert page.status_code == 200
    assert "550 5.1.1" in page.text and "victim@client.example" not in page.text
    assert "gone@client.example" not in page.text
    assert "The customer asked not to receive these emails" in page.text
    assert "Something has been due for more than 15 minutes" in page.text


def test_period_excludes_older_conversations_and_ignores_bad_input(
        client, admin, make_user, log_conversation, session):
    seller = make_user()
    old = log_conversation(seller)
    _set(session, old, created_at=datetime.now(UTC) - timedelta(days=10))
    log_conversation(seller)
    week = delivery_report.report(session, days=7)
    month = delivery_report.report(session, days=30)
    assert (week.total, month.total) == (1, 2)
    assert client.get("/admin/delivery?days=9999").status_code == 200
    assert client.get("/admin/delivery?days=abc").status_code == 200


def test_failure_kinds_never_quote_the_reply():
    kind = delivery_report.failure_kind
    assert kind("550 5.1.1 <a@b.example> no such user") == "550 5.1.1"
    assert kind("554 rejected a@b.example") == "554"
    assert kind("relay: TimeoutError: timed out to a@b.example") == "relay: TimeoutError"
    assert kind("a@b.example bounced") == "other"
    assert kind(None) == "unknown"
