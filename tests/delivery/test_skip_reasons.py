"""Every rule that says "do not ask" records its reason, and no email goes out."""

import dataclasses
from datetime import timedelta

import pytest

from feedback.models import Invitation, InvitationStatus, Role, SkipReason, SuppressionReason
from feedback.survey import do_not_survey as suppressions


def _assert_skipped(engagement, reason: SkipReason, outbox, smtp_server, at) -> None:
    assert engagement.invitation.status is InvitationStatus.SKIPPED
    assert engagement.invitation.skip_reason is reason
    assert engagement.invitation.send_at is None
    outbox.run(at + timedelta(hours=3))
    mine = f".{engagement.invitation.id}@"
    assert not [r for r in smtp_server.received if mine in r.message_id]


def test_cooldown_same_customer_another_salesperson(
        outbox, log_conversation, make_user, smtp_server, start):
    log_conversation(make_user(), email="rosa@client.example", now=start)
    assert outbox.run(start).sent == 1

    later = start + timedelta(days=10)
    again = log_conversation(make_user(), email="rosa@client.example", now=later,
                             occurred_at=later - timedelta(hours=1))
    _assert_skipped(again, SkipReason.COOLDOWN, outbox, smtp_server, later)

    # Once the 30 days since the survey went out have passed, she may be asked again.
    after = start + timedelta(days=31)
    third = log_conversation(make_user(), email="rosa@client.example", now=after,
                             occurred_at=after - timedelta(hours=1))
    assert third.invitation.status is InvitationStatus.SCHEDULED


def test_cooldown_counts_a_survey_still_waiting_to_be_sent(
        log_conversation, make_user, start):
    log_conversation(make_user(), email="rosa@client.example", now=start)
    second = log_conversation(make_user(), email="rosa@client.example", now=start)
    assert second.invitation.skip_reason is SkipReason.COOLDOWN


def test_too_old(outbox, log_conversation, make_user, smtp_server, start):
    stale = log_conversation(make_user(), email="old@client.example", now=start,
                             occurred_at=start - timedelta(days=14, minutes=1))
    _assert_skipped(stale, SkipReason.TOO_OLD, outbox, smtp_server, start)
    recent = log_conversation(make_user(), email="recent@client.example", now=start,
                              occurred_at=start - timedelta(days=13))
    assert recent.invitation.status is InvitationStatus.SCHEDULED


def test_staff_address(outbox, log_conversation, make_user, smtp_server, start):
    manager = make_user(Role.MANAGER, email="mia.manager@staff.example")
    skipped = log_conversation(make_user(), email=manager.email.upper(), now=start)
    _assert_skipped(skipped, SkipReason.STAFF_ADDRESS, outbox, smtp_server, start)


def test_internal_domain(outbox, log_conversation, make_user, smtp_server, settings, start):
    internal = dataclasses.replace(settings, internal_domains=frozenset({"acme.example"}))
    skipped = log_conversation(make_user(), email="ops@acme.example", now=start,
                               settings=internal)
    _assert_skipped(skipped, SkipReason.INTERNAL_DOMAIN, outbox, smtp_server, start)


def test_duplicate_same_salesperson_same_customer_same_day(
        outbox, log_conversation, make_user, smtp_server, start):
    ana = make_user()
    morning = start.replace(hour=9, minute=0)
    first = log_conversation(ana, email="rosa@client.example", occurred_at=morning,
                             now=morning + timedelta(hours=1))
    second = log_conversation(ana, email="rosa@client.example",
                              occurred_at=morning + timedelta(hours=5),
                              now=morning + timedelta(hours=6))
    assert first.invitation.status is InvitationStatus.SCHEDULED
    assert second.invitation.skip_reason is SkipReason.DUPLICATE
    outbox.run(morning + timedelta(hours=9))
    assert len(smtp_server.messages_to("rosa@client.example")) == 1


@pytest.mark.parametrize("suppressed, reason", [
    (SuppressionReason.UNSUBSCRIBED, SkipReason.UNSUBSCRIBED),
    (SuppressionReason.BOUNCED, SkipReason.BOUNCED),
    (SuppressionReason.MANUAL, SkipReason.SUPPRESSED),
])
def test_suppressed_addresses(outbox, session, log_conversation, make_user, smtp_server,
                              start, suppressed, reason):
    suppressions.suppress(session, "Rosa@Client.example", suppressed)
    session.commit()
    skipped = log_conversation(make_user(), email="rosa@client.example", now=start)
    _assert_skipped(skipped, reason, outbox, smtp_server, start)


def test_suppressed_after_scheduling_is_skipped_by_the_worker(
        outbox, session, log_conversation, make_user, smtp_server, start):
    engagement = log_conversation(make_user(), email="rosa@client.example", now=start)
    assert engagement.invitation.status is InvitationStatus.SCHEDULED
    suppressions.suppress(session, "rosa@client.example", SuppressionReason.UNSUBSCRIBED)
    session.commit()

    result = outbox.run(start + timedelta(hours=3))
    assert (result.claimed, result.skipped, result.sent) == (1, 1, 0)
    session.expire_all()
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.status is InvitationStatus.SKIPPED
    assert invitation.skip_reason is SkipReason.UNSUBSCRIBED
    assert invitation.leased_by is None
    assert smtp_server.received == []


def test_company_cap_when_enabled(outbox, log_conversation, make_user, smtp_server,
                                  settings, start):
    capped = dataclasses.replace(settings, company_cap=2)
    ana = make_user()
    asked = [log_conversation(ana, email=f"p{i}@bigco.example", now=start, settings=capped)
             for i in range(2)]
    assert {e.invitation.status for e in asked} == {InvitationStatus.SCHEDULED}
    third = log_conversation(ana, email="p2@bigco.example", now=start, settings=capped)
    _assert_skipped(third, SkipReason.COMPANY_CAP, outbox, smtp_server, start)
    assert len(smtp_server.received) == 2
    # Off by default: the same third colleague would have been asked.
    other = log_conversation(ana, email="p3@bigco.example", now=start)
    assert other.invitation.status is InvitationStatus.SCHEDULED
