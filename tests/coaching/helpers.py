"""Released answers made directly in the database, for tests that need many of them.

The survey journey itself is tested elsewhere (tests/survey, tests/test_journey.py);
here an answer is written the way answers.record leaves it, already released.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from feedback.core import clock
from feedback.models import (
    Customer,
    Engagement,
    EngagementKind,
    Invitation,
    InvitationStatus,
    Pressure,
    Response,
    User,
)


def this_monday() -> date:
    return clock.week_start(datetime.now(UTC))


def released_answer(session, salesperson: User, *, week: date | None = None, respected: int = 4,
                    helped: int = 4, pressure: Pressure = Pressure.NO, doubtful: bool = False,
                    comment: str = "", promise_note: str = "", named: bool = False,
                    customer_name: str = "Casey Customer", company: str = "Client Co",
                    released_at: datetime | None = None, commit: bool = True) -> Response:
    """One answer about `salesperson`, for a conversation on the Tuesday of `week`."""
    week = week or this_monday()
    occurred = datetime.combine(week + timedelta(days=1), time(10), tzinfo=UTC)
    customer = Customer(email=f"c.{uuid.uuid4().hex[:10]}@client.example",
                        email_domain="client.example", name=customer_name, company=company)
    engagement = Engagement(salesperson_id=salesperson.id, team_id=salesperson.team_id,
                            customer=customer, occurred_at=occurred, kind=EngagementKind.CALL)
    invitation = Invitation(engagement=engagement, status=InvitationStatus.ANSWERED,
                            answered_at=occurred)
    session.add_all([customer, engagement, invitation])
    session.flush()
    response = Response(
        invitation_id=invitation.id, salesperson_id=salesperson.id,
        team_id=salesperson.team_id, week_start=week, month_start=occurred.date().replace(day=1),
        respected=respected, helped=helped, pressure=pressure, doubtful_promise=doubtful,
        promise_note=promise_note if doubtful else "", improve_comment=comment,
        reveal_identity=named, released_at=released_at or datetime.now(UTC),
        submitted_at=occurred, updated_at=occurred)
    session.add(response)
    if commit:
        session.commit()
    else:
        session.flush()
    return response
