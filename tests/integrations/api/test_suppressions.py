"""POST/DELETE suppressions: add, lift a manual entry; an unsubscribe is never lifted."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import AuditEvent, Suppression, SuppressionReason
from feedback.survey import do_not_survey as suppressions


def test_add_is_idempotent_and_keeps_the_first_reason(api, session):
    first = api.post("/suppressions", {"email": " Pat@Client.Example "})
    assert first.status_code == 201
    assert first.get_json()["email"] == "pat@client.example"
    assert first.get_json()["reason"] == "manual"
    again = api.post("/suppressions", {"email": "pat@client.example"})
    assert again.status_code == 200
    assert suppressions.is_suppressed(session, "pat@client.example")


def test_lift_a_manual_entry(api, session):
    api.post("/suppressions", {"email": "pat@client.example"})
    response = api.delete("/suppressions", {"email": "pat@client.example"})
    assert response.status_code == 204
    assert not suppressions.is_suppressed(session, "pat@client.example")
    assert api.delete("/suppressions", {"email": "pat@client.example"}).status_code == 404


def test_an_unsubscribe_cannot_be_lifted(api, session):
    suppressions.suppress(session, "gone@client.example", SuppressionReason.UNSUBSCRIBED)
    session.commit()
    response = api.delete("/suppressions", {"email": "gone@client.example"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "unsubscribe_is_permanent"
    session.expire_all()
    assert session.scalars(select(Suppression.reason)).one() is SuppressionReason.UNSUBSCRIBED


def test_changes_are_audited_without_the_address(api, session):
    api.post("/suppressions", {"email": "pat@client.example"})
    api.delete("/suppressions", {"email": "pat@client.example"})
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("suppression.%"))
                             .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["suppression.add", "suppression.lift"]
    assert all("pat" not in str(e.details) for e in events)
    assert all(e.details["via"] == "api" for e in events)


def test_bad_addresses_are_422(api):
    for email in ("nope", "a@", "x\x00@y.example"):
        response = api.post("/suppressions", {"email": email})
        assert response.status_code == 422, email
