"""Answers for team tests, recorded through answers.record (so the rollup hooks run), and
a from-scratch recount of what response_rollups should hold.

The send itself is written directly (delivery has its own tests): each conversation's
invitation is already sent two hours after it happened.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from feedback.core import clock
from feedback.models import (
    Customer,
    Engagement,
    EngagementKind,
    Invitation,
    InvitationStatus,
    Pressure,
    Response,
    ResponseRollup,
    Team,
    User,
    team_managers,
)
from feedback.survey import answers
from feedback.team import rollups

COUNTS = ("sent", "answers", "respected_sum", "helped_sum", "respected_yes", "helped_yes",
          "pressured", "doubted_promise")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def sent_conversation(session, salesperson: User, occurred_at: datetime, *,
                      customer_name: str = "Casey Customer",
                      company: str = "Client Co") -> Invitation:
    """A conversation in the salesperson's current team whose survey went out."""
    customer = Customer(email=f"c.{uuid.uuid4().hex[:10]}@client.example",
                        email_domain="client.example", name=customer_name, company=company)
    engagement = Engagement(salesperson_id=salesperson.id, team_id=salesperson.team_id,
                            customer=customer, occurred_at=occurred_at,
                            kind=EngagementKind.CALL)
    sent = occurred_at + timedelta(hours=2)
    invitation = Invitation(engagement=engagement, status=InvitationStatus.SENT,
                            first_sent_at=sent, sent_at=sent, attempts=1,
                            expires_at=sent + timedelta(days=14))
    session.add_all([customer, engagement, invitation])
    session.flush()
    # What the delivery worker's hook does after a first send.
    rollups.refresh_for_invitation(session, invitation.id)
    return invitation


def answer(session, settings, invitation: Invitation, *, respected: int = 5, helped: int = 5,
           pressure: Pressure = Pressure.NO, doubtful: bool = False, comment: str = "",
           note: str = "", named: bool = True, after: timedelta = timedelta(hours=3),
           commit: bool = True) -> Response:
    """The customer answers (or edits their answer) `after` the survey went out."""
    response = answers.record(
        session, invitation,
        answers.Answers(respected=respected, helped=helped, pressure=pressure,
                        doubtful_promise=doubtful, promise_note=note, improve_comment=comment,
                        reveal_identity=named),
        settings, now=invitation.first_sent_at + after)
    if commit:
        session.commit()
    return response


def answered(session, settings, salesperson: User, occurred_at: datetime, **kwargs) -> Response:
    """A conversation, its survey, and the customer's answer, committed."""
    names = {k: kwargs.pop(k) for k in ("customer_name", "company") if k in kwargs}
    invitation = sent_conversation(session, salesperson, occurred_at, **names)
    return answer(session, settings, invitation, **kwargs)


def manage(session, manager: User, team: Team) -> None:
    session.execute(team_managers.insert().values(team_id=team.id, user_id=manager.id))
    session.commit()


def stored_rollups(session, team_ids) -> dict[tuple, dict[str, int]]:
    """What response_rollups holds for these teams."""
    rows = session.execute(select(ResponseRollup).where(
        ResponseRollup.team_id.in_(list(team_ids)))).scalars()
    return {(r.team_id, r.week_start, r.month_start, r.salesperson_id):
            {name: getattr(r, name) for name in COUNTS} for r in rows}


def recount(session, team_ids) -> dict[tuple, dict[str, int]]:
    """What response_rollups should hold, counted in Python from the source rows."""
    parts: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for r in session.execute(select(Response).where(
            Response.team_id.in_(list(team_ids)), Response.released_at.is_not(None))).scalars():
        part = parts[(r.team_id, r.week_start, r.month_start, r.salesperson_id)]
        part["answers"] += 1
        part["respected_sum"] += r.respected
        part["helped_sum"] += r.helped
        part["respected_yes"] += r.respected >= 4
        part["helped_yes"] += r.helped >= 4
        part["pressured"] += r.pressure is not Pressure.NO
        part["doubted_promise"] += r.doubtful_promise
    sent = session.execute(
        select(Engagement.team_id, Engagement.occurred_at, Engagement.salesperson_id)
        .join(Invitation, Invitation.engagement_id == Engagement.id)
        .where(Engagement.team_id.in_(list(team_ids)), Invitation.first_sent_at.is_not(None)))
    for team_id, occurred_at, person in sent:
        key = (team_id, clock.week_start(occurred_at), clock.month_start(occurred_at), person)
        parts[key]["sent"] += 1
    return dict(parts)
