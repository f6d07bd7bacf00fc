"""The do-not-survey list: admins see and manage it, but an unsubscribe is forever."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Suppression, SuppressionReason
from feedback.survey import do_not_survey as suppressions
from feedback.survey import do_not_survey_admin as suppression_list


def _add(session, email, reason) -> Suppression:
    row = suppressions.suppress(session, email, reason)
    session.commit()
    return row


def _lift(post_form, row):
    return post_form(f"/admin/suppressions/{row.id}/lift", {}, page_url="/admin/suppressions",
                     follow_redirects=True)


def test_list_shows_addresses_and_reasons(client, admin, session):
    _add(session, "gone@client.example", SuppressionReason.UNSUBSCRIBED)
    _add(session, "bounced@client.example", SuppressionReason.BOUNCED)
    page = client.get("/admin/suppressions").text
    assert "gone@client.example" in page and "bounced@client.example" in page
    assert "Permanent: the customer" in page
    found = client.get("/admin/suppressions?q=BOUNCED@").text
    assert "bounced@client.example" in found and "gone@client.example" not in found
    by_reason = client.get("/admin/suppressions?reason=unsubscribed").text
    assert "gone@client.example" in by_reason and "bounced@client.example" not in by_reason


def test_add_by_hand_and_lift(admin, post_form, session, caplog):
    caplog.set_level(logging.DEBUG)
    added = post_form("/admin/suppressions", {"email": " Keep.Away@Client.example "},
                      follow_redirects=True)
    assert "will never be surveyed" in added.text
    row = session.scalars(select(Suppression)).one()
    assert (row.email, row.reason) == ("keep.away@client.example", SuppressionReason.MANUAL)
    assert "Lifted" in _lift(post_form, row).text
    session.expire_all()
    assert session.scalars(select(Suppression)).all() == []

    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-2:] == ["admin.suppression.add", "admin.suppression.lift"]
    # Addresses never reach the audit log, the application log, or the session cookie.
    assert "keep.away" not in repr([(e.details, e.subject_type) for e in events])
    assert "keep.away" not in caplog.text


def test_a_bounce_can_be_lifted(admin, post_form, session):
    row = _add(session, "full.mailbox@client.example", SuppressionReason.BOUNCED)
    assert "Lifted" in _lift(post_form, row).text
    assert not suppressions.is_suppressed(session, "full.mailbox@client.example")


def test_an_unsubscribe_cannot_be_lifted_by_an_admin(client, admin, post_form, session):
    row = _add(session, "no.more@client.example", SuppressionReason.UNSUBSCRIBED)
    page = client.get("/admin/suppressions").text
    assert f"/admin/suppressions/{row.id}/lift" not in page  # no button...
    refused = _lift(post_form, row)  # ...and a hand-made POST is refused too
    assert "Their choice holds forever" in refused.text or "never undone" in refused.text
    assert suppressions.is_suppressed(session, "no.more@client.example")
    with pytest.raises(suppression_list.SuppressionFixed):
        suppression_list.lift(session, admin, row.id)
    session.rollback()
    assert session.scalars(select(AuditEvent).where(
        AuditEvent.action == "admin.suppression.lift")).all() == []


def test_adding_an_unsubscribed_address_keeps_its_reason(admin, post_form, session):
    _add(session, "no.more@client.example", SuppressionReason.UNSUBSCRIBED)
    again = post_form("/admin/suppressions", {"email": "no.more@client.example"},
                      follow_redirects=True)
    assert "already on the list (unsubscribed)" in again.text
    session.expire_all()
    assert session.scalars(select(Suppression.reason)).one() is SuppressionReason.UNSUBSCRIBED


def test_bad_address_is_a_clear_error(admin, post_form, session):
    refused = post_form("/admin/suppressions", {"email": "nope"})
    assert refused.status_code == 422
    assert "does not look right" in refused.text
    assert session.scalars(select(Suppression)).all() == []


def test_lifting_an_unknown_row_is_404(client, admin, post_form):
    response = post_form("/admin/suppressions/999999/lift", {}, page_url="/admin/suppressions")
    assert response.status_code == 404
