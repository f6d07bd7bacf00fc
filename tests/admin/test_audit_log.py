"""The audit log page: newest first, a page at a time, filterable by action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.admin import audit_reading as audit_view
from feedback.models import AuditEvent


def _events(session, actor, action, count, start):
    for i in range(count):
        session.add(AuditEvent(actor_id=actor.id, action=action, subject_type="user",
                               subject_id=i, details={"n": i},
                               at=start + timedelta(minutes=i)))
    session.commit()


def test_newest_first_paginated_and_filtered(client, admin, session):
    start = datetime.now(UTC) - timedelta(days=1)
    _events(session, admin, "share.create", 60, start)
    _events(session, admin, "export.csv", 3, start + timedelta(hours=2))
    # admin's own sign-in is in the log too.
    first = client.get("/admin/audit")
    assert first.status_code == 200
    assert "64 events" in first.text
    assert first.text.index("auth.login") < first.text.index("export.csv")
    assert "Page 1 of 2" in first.text

    second = client.get("/admin/audit?page=2")
    assert "Page 2 of 2" in second.text

    exports = client.get("/admin/audit?action=export.csv")
    assert "3 events" in exports.text and "share.create</code>" not in exports.text
    by_prefix = audit_view.page(session, action="share.")
    assert by_prefix.total == 60 and by_prefix.entries[0].details == {"n": 59}
    assert "Ada Admin" in exports.text


def test_unknown_filter_or_page_shows_everything_calmly(client, admin):
    assert "1 event" in client.get("/admin/audit?action=nope%25").text
    assert client.get("/admin/audit?page=999").status_code == 200
    assert client.get("/admin/audit?page=-3").status_code == 200
