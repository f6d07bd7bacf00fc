"""The digest email's two parts, exactly. When a change is intended, regenerate and review:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/me/test_digest_snapshot.py
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedback.coaching import digest
from feedback.models import Pressure
from tests.coaching.helpers import released_answer

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
NOW = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # a Monday morning


@pytest.mark.parametrize("first", [True, False])
def test_digest_parts_match_the_snapshots(app, session, settings, make_user, first):
    ana = make_user(name="Ana Lopez")
    if not first:
        ana.last_digest_at = NOW - timedelta(days=7)
    week = NOW.date() - timedelta(days=7)
    released = NOW - timedelta(days=2)
    released_answer(session, ana, week=week, respected=5, helped=4, released_at=released,
                    comment="Clear and patient. Maybe send the summary sooner.")
    released_answer(session, ana, week=week, respected=3, helped=2, released_at=released,
                    pressure=Pressure.A_LITTLE, doubtful=True, promise_note="SSO?")
    released_answer(session, ana, week=week, respected=4, helped=5, released_at=released,
                    comment="Great questions about our setup.", named=True,
                    customer_name="Rosa Díaz")
    with app.app_context():
        content = digest.build(session, ana, NOW)
        message = digest.message(content, ana, settings, NOW)
    assert message.msgId == f"<digest.{ana.id}.2026-W11@localhost>"
    name = "first" if first else "weekly"
    for suffix, body in (("txt", message.body), ("html", message.html)):
        path = SNAPSHOTS / f"digest_{name}.{suffix}"
        if UPDATE:
            path.write_text(body)
        assert body == path.read_text(), f"{path.name} changed; see the module docstring"
