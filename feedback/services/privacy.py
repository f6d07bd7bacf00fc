"""Who may read which per-person data. Every read of feedback goes through here.

The rule (DESIGN.md): an answer is readable by the salesperson it is about, once
released. Anyone else gets NotVisible, which routes turn into a 404, never a 403,
so an id reveals nothing about whether it exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from feedback.models import Engagement, Invitation, Pressure, Response, User
from feedback.services.errors import NotVisible


@dataclass(frozen=True)
class FeedbackItem:
    """One answer as its salesperson may see it: names only where the customer allowed."""

    id: int
    week_start: date
    respected: int
    helped: int
    pressure: Pressure
    doubtful_promise: bool
    promise_note: str
    improve_comment: str
    #: Present only when the customer said the salesperson may know who they are.
    customer_name: str | None
    customer_company: str | None
    occurred_at: datetime | None

    @property
    def anonymous(self) -> bool:
        return self.customer_name is None


def _own_released(viewer: User):
    return (Response.salesperson_id == viewer.id) & Response.released_at.is_not(None)


def _to_item(response: Response) -> FeedbackItem:
    engagement = response.invitation.engagement
    named = response.reveal_identity
    return FeedbackItem(
        id=response.id,
        week_start=response.week_start,
        respected=response.respected,
        helped=response.helped,
        pressure=response.pressure,
        doubtful_promise=response.doubtful_promise,
        promise_note=response.promise_note,
        improve_comment=response.improve_comment,
        customer_name=engagement.customer.name if named else None,
        customer_company=(engagement.customer.company or None) if named else None,
        occurred_at=engagement.occurred_at if named else None,
    )


def _batch_order_key(response: Response) -> str:
    # Within a week, a keyed shuffle: stable between page loads, unrelated to arrival.
    return hashlib.sha256(f"{response.salesperson_id}:{response.id}".encode()).hexdigest()


def my_feedback(session: Session, viewer: User) -> list[FeedbackItem]:
    """The viewer's own released answers, newest week first."""
    rows = session.execute(
        select(Response)
        .where(_own_released(viewer))
        .options(joinedload(Response.invitation).joinedload(Invitation.engagement)
                 .joinedload(Engagement.customer))
    ).scalars().all()
    rows = sorted(rows, key=_batch_order_key)
    rows.sort(key=lambda r: r.week_start, reverse=True)
    return [_to_item(r) for r in rows]


def feedback_item(session: Session, viewer: User, response_id: int) -> FeedbackItem:
    """One answer, if the viewer may see it; NotVisible otherwise."""
    response = session.execute(
        select(Response).where(Response.id == response_id, _own_released(viewer))
    ).scalar_one_or_none()
    if response is None:
        raise NotVisible()
    return _to_item(response)


def my_conversations(session: Session, viewer: User, limit: int = 200) -> list[Engagement]:
    """The conversations the viewer logged, newest first, with their invitation."""
    return list(session.execute(
        select(Engagement)
        .where(Engagement.salesperson_id == viewer.id)
        .options(joinedload(Engagement.invitation), joinedload(Engagement.customer))
        .order_by(Engagement.occurred_at.desc(), Engagement.id.desc())
        .limit(limit)
    ).scalars().unique())


def named_answer_invitation_ids(session: Session, viewer: User) -> set[int]:
    """Invitations of the viewer's conversations whose customer chose to be named."""
    return set(session.execute(
        select(Response.invitation_id).where(
            _own_released(viewer), Response.reveal_identity.is_(True))
    ).scalars())
