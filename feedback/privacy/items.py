"""What a reader of per-person data gets: answers as they may see them, notes, counts."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from feedback.models import CoachingNote, Engagement, Invitation, Pressure, Response, Share, User


@dataclass(frozen=True)
class FeedbackItem:
    """One answer as its reader may see it: names only where the customer allowed."""

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


class Show(enum.StrEnum):
    """Which of the viewer's answers a feed shows."""

    ALL = "all"
    COMMENTS = "comments"
    PRESSURED = "pressured"
    DOUBTED = "doubted"
    LOW_RESPECTED = "low_respected"
    LOW_HELPED = "low_helped"


@dataclass(frozen=True)
class FeedbackFilter:
    """Narrow the viewer's own feed: conversation weeks [since, until] and a question."""

    since: date | None = None
    until: date | None = None
    show: Show = Show.ALL


@dataclass(frozen=True)
class FeedPage:
    """One page of the viewer's feed, and how many answers match in all."""

    items: list[FeedbackItem]
    total: int


@dataclass(frozen=True)
class NoteView:
    """A coaching note with its author's name."""

    id: int
    response_id: int
    share_id: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class SharedView:
    """A share opened by its owner or its coach: exactly what the coach sees."""

    share: Share
    items: list[FeedbackItem]
    #: response id -> reflection text; empty unless the share includes reflections.
    reflections: dict[int, str] = field(default_factory=dict)
    notes: dict[int, list[NoteView]] = field(default_factory=dict)
    viewer_is_owner: bool = False


@dataclass(frozen=True)
class ScoreCounts:
    """One (week, month) cell of the viewer's own answers, counted; trends read these."""

    week_start: date
    month_start: date | None
    answers: int
    respected_sum: int
    respected_yes: int
    helped_sum: int
    helped_yes: int
    pressured: int
    doubted: int


@dataclass(frozen=True)
class ShareViewEvent:
    """A coach opened one of the owner's shares."""

    share_id: int
    coach_name: str
    at: datetime


def to_item(response: Response, *, names: bool = True) -> FeedbackItem:
    """The answer as a reader sees it; `names=False` hides the customer even if named."""
    named = names and response.reveal_identity
    # Anonymous answers never touch the engagement: nothing of the customer is loaded.
    engagement = response.invitation.engagement if named else None
    return FeedbackItem(
        id=response.id,
        week_start=response.week_start,
        respected=response.respected,
        helped=response.helped,
        pressure=response.pressure,
        doubtful_promise=response.doubtful_promise,
        promise_note=response.promise_note,
        improve_comment=response.improve_comment,
        customer_name=engagement.customer.name if engagement else None,
        customer_company=(engagement.customer.company or None) if engagement else None,
        occurred_at=engagement.occurred_at if engagement else None,
    )


def batch_order_key(salesperson_id: int, response_id: int) -> str:
    """Within a week, a keyed shuffle: stable between page loads, unrelated to arrival."""
    return hashlib.sha256(f"{salesperson_id}:{response_id}".encode()).hexdigest()


def in_feed_order(rows: Iterable) -> list:
    """Newest conversation week first; shuffled (stably) within a week.

    Works on Response rows and on (id, salesperson_id, week_start) rows alike.
    """
    rows = sorted(rows, key=lambda r: batch_order_key(r.salesperson_id, r.id))
    rows.sort(key=lambda r: r.week_start, reverse=True)
    return rows


def with_customer(statement):
    """Load the customer with each answer (for named answers; one query, not N)."""
    return statement.options(joinedload(Response.invitation).joinedload(Invitation.engagement)
                             .joinedload(Engagement.customer))


def notes_where(session: Session, *clauses) -> dict[int, list[NoteView]]:
    """Notes matching `clauses` (the caller scopes them), by response id, oldest first."""
    rows = session.execute(
        select(CoachingNote, User.name)
        .join(User, User.id == CoachingNote.author_id)
        .join(Response, Response.id == CoachingNote.response_id)
        .where(*clauses).order_by(CoachingNote.created_at, CoachingNote.id)
    ).all()
    notes: dict[int, list[NoteView]] = {}
    for note, author_name in rows:
        notes.setdefault(note.response_id, []).append(NoteView(
            note.id, note.response_id, note.share_id, note.author_id, author_name, note.body,
            note.created_at))
    return notes
