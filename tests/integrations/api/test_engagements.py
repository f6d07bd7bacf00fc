"""POST/GET engagements: idempotent by external_id, outcomes that never name who answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from feedback.delivery import outbox as delivery
from feedback.models import (
    Engagement,
    EngagementSource,
    InvitationStatus,
    Pressure,
    SuppressionReason,
)
from feedback.survey import answers
from feedback.survey import do_not_survey as suppressions


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Engagement.id)))


def test_create_then_same_body_again_is_200_with_the_same_engagement(api, session, body):
    data = body()
    first = api.post("/engagements", data)
    assert first.status_code == 201
    created = first.get_json()
    assert created["external_id"] == data["external_id"]
    assert created["source"] == "api"
    assert created["survey"] == {"status": "scheduled", "reason": None}
    again = api.post("/engagements", data)
    assert again.status_code == 200
    assert again.get_json() == created
    assert _count(session) == 1


def test_the_same_moment_in_another_offset_is_the_same_conversation(api, body):
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    data = body(occurred_at=moment.isoformat())
    assert api.post("/engagements", data).status_code == 201
    elsewhere = moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    assert api.post("/engagements", {**data, "occurred_at": elsewhere}).status_code == 200


def test_different_facts_under_a_held_id_is_409_naming_the_fields(api, session, body):
    data = body()
    api.post("/engagements", data)
    response = api.post("/engagements", {**data, "kind": "demo",
                                         "customer_email": "someone.else@client.example"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "external_id_conflict"
    assert set(error["details"]) == {"kind", "customer_email"}
    assert _count(session) == 1


def test_salesperson_by_id_works_and_unknown_salesperson_is_422(api, seller, body):
    by_id = body(salesperson_email=None, salesperson_id=seller.id)
    assert api.post("/engagements", by_id).status_code == 201
    response = api.post("/engagements", body(salesperson_email="nobody@staff.example"))
    assert response.status_code == 422
    assert "salesperson_email" in response.get_json()["error"]["details"]
    both = api.post("/engagements", body(salesperson_id=seller.id))
    assert both.status_code == 422


def test_bad_input_is_json_with_field_details_never_a_500(api, client, body):
    cases = [
        (body(occurred_at="2026-01-01T10:00:00"), 422, "occurred_at"),  # no offset
        (body(occurred_at="0001-01-01T00:00:00+14:00"), 422, "occurred_at"),
        (body(kind="party"), 422, "kind"),
        (body(customer_email="not-an-email"), 422, "customer_email"),
        (body(customer_name="a\x00b"), 422, "customer_name"),
        (body(salesperson_id="7", salesperson_email=None), 422, "salesperson_id"),
        (body(external_id="x" * 129), 422, "external_id"),
        (body(surprise=True), 422, "surprise"),
        (body(occurred_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()), 422,
         "occurred_at"),
    ]
    for data, status, field in cases:
        response = api.post("/engagements", data)
        assert response.status_code == status, data
        error = response.get_json()["error"]
        assert error["code"] in {"validation_error", "invalid_engagement"}
        assert field in error["details"], (field, error)
        # The rejected value is never echoed back.
        assert "not-an-email" not in response.text and "party" not in response.text
    headers = {**api.headers, "Content-Type": "application/json"}
    for raw in ("{", "", "[1,", '{"a": "\\ud800"}'):
        response = client.post("/api/v1/engagements", data=raw, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_json"
    assert api.post("/engagements", [1, 2]).status_code == 422
    text = client.post("/api/v1/engagements", data="a=b", headers=api.headers)
    assert text.status_code == 415 and text.is_json
    huge = client.post("/api/v1/engagements", data="[" + "1," * 1_100_000 + "1]",
                       headers=headers)
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "payload_too_large"


def test_read_by_id_and_by_external_id(api, body):
    created = api.post("/engagements", body()).get_json()
    assert api.get(f"/engagements/{created['id']}").get_json() == created
    found = api.get("/engagements", query_string={"external_id": created["external_id"]})
    assert found.get_json() == created
    assert api.get("/engagements?external_id=nope").status_code == 404
    assert api.get("/engagements").status_code == 422
    assert api.get(f"/engagements/{2**40}").status_code == 404


def test_conversations_logged_by_hand_are_not_readable_with_a_key(api, seller,
                                                                  log_conversation):
    by_hand = log_conversation(seller)
    assert by_hand.source is EngagementSource.UI
    assert api.get(f"/engagements/{by_hand.id}").status_code == 404


def test_skipped_survey_reports_its_reason(api, session, body):
    suppressions.suppress(session, "gone@client.example", SuppressionReason.UNSUBSCRIBED)
    session.commit()
    response = api.post("/engagements", body(customer_email="gone@client.example"))
    assert response.status_code == 201
    assert response.get_json()["survey"] == {"status": "skipped", "reason": "unsubscribed"}


def test_answered_reads_sent_unless_the_customer_chose_to_be_named(api, session, body,
                                                                  settings):
    """DESIGN: reporting "answered" would tell the CRM who sent an anonymous answer."""
    created = api.post("/engagements", body()).get_json()
    engagement = session.get(Engagement, created["id"])
    # Send it as the worker would, then answer anonymously through the answer service.
    now = datetime.now(UTC)
    [claim] = [c for c in delivery.claim_batch(session, worker_id="t", settings=settings,
                                               now=now + settings.send_delay)
               if c.invitation_id == engagement.invitation.id]
    delivery.record_sent(session, claim, worker_id="t", settings=settings, now=now,
                         progress={"attempts": 1, "first_attempt_at": now})
    session.commit()
    assert api.get(f"/engagements/{created['id']}").get_json()["survey"]["status"] == "sent"
    invitation = engagement.invitation
    choice = answers.Answers(respected=4, helped=4, pressure=Pressure.NO, doubtful_promise=False)
    answers.record(session, invitation, choice, settings)
    session.commit()
    session.refresh(invitation)
    assert invitation.status is InvitationStatus.ANSWERED
    assert api.get(f"/engagements/{created['id']}").get_json()["survey"]["status"] == "sent"
    named = answers.Answers(respected=4, helped=4, pressure=Pressure.NO, doubtful_promise=False,
                            reveal_identity=True)
    answers.record(session, invitation, named, settings)
    session.commit()
    assert api.get(f"/engagements/{created['id']}").get_json()["survey"]["status"] == "answered"
