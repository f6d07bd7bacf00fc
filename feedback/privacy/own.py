"""The salesperson's own data: released answers about them, reflections, notes, counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from feedback.core.errors import NotVisible
from feedback.models import CoachingNote, Engagement, Pressure, Reflection, Response, User
from feedback.privacy.items import (
    FeedbackFilter,
    FeedbackItem,
    FeedPage,
    NoteView,
    ScoreCounts,
    Show,
    in_feed_order,
    notes_where,
    to_item,
    with_customer,
)


def own_released(viewer: User):
    """The rule itself: answers about the viewer, once released."""
    return (Response.salesperson_id == viewer.id) & Response.released_at.is_not(None)


_SHOW = {
    Show.ALL: (),
    Show.COMMENTS: (or_(Response.improve_comment != "", Response.promise_note != ""),),
    Show.PRESSURED: (Response.pressure != Pressure.NO,),
    Show.DOUBTED: (Response.doubtful_promise.is_(True),),
    Show.LOW_RESPECTED: (Response.respected <= 2,),
    Show.LOW_HELPED: (Response.helped <= 2,),
}


def _filter_clauses(filters: FeedbackFilter) -> list:
    clauses = list(_SHOW[filters.show])
    if filters.since is not None:
        clauses.append(Response.week_start >= filters.since)
    if filters.until is not None:
        clauses.append(Response.week_start <= filters.until)
    return clauses


def my_feedback(session: Session, viewer: User,
                filters: FeedbackFilter | None = None) -> list[FeedbackItem]:
    """The viewer's own released answers, newest week first, narrowed by `filters`."""
    rows = session.execute(with_customer(
        select(Response).where(own_released(viewer),
                               *_filter_clauses(filters or FeedbackFilter()))
    )).scalars().all()
    return [to_item(r) for r in in_feed_order(rows)]


def my_feedback_page(session: Session, viewer: User, filters: FeedbackFilter | None = None,
                     *, page: int = 1, per_page: int = 50) -> FeedPage:
    """One page of my_feedback, loading full rows (and names) for that page only."""
    keys = session.execute(
        select(Response.id, Response.salesperson_id, Response.week_start)
        .where(own_released(viewer), *_filter_clauses(filters or FeedbackFilter()))
    ).all()
    start = (max(page, 1) - 1) * per_page
    ids = [row.id for row in in_feed_order(keys)[start:start + per_page]]
    rows = {r.id: r for r in session.execute(
        with_customer(select(Response).where(Response.id.in_(ids)))).scalars()} if ids else {}
    return FeedPage([to_item(rows[i]) for i in ids], len(keys))


def my_new_feedback(session: Session, viewer: User, after: datetime,
                    until: datetime) -> list[FeedbackItem]:
    """The viewer's answers released in (after, until], as the viewer may see them."""
    rows = session.execute(with_customer(
        select(Response).where(own_released(viewer), Response.released_at > after,
                               Response.released_at <= until)
    )).scalars().all()
    return [to_item(r) for r in in_feed_order(rows)]


def own_response(session: Session, viewer: User, response_id: int) -> Response:
    """The viewer's own released answer row (for changes such as a reflection)."""
    response = session.execute(
        select(Response).where(Response.id == response_id, own_released(viewer))
    ).scalar_one_or_none()
    if response is None:
        raise NotVisible()
    return response


def feedback_item(session: Session, viewer: User, response_id: int) -> FeedbackItem:
    """One answer, if the viewer may see it; NotVisible otherwise."""
    return to_item(own_response(session, viewer, response_id))


def own_responses(session: Session, viewer: User, response_ids: Iterable[int]) -> list[Response]:
    """All of these answers, or NotVisible if any one is not the viewer's to see."""
    wanted = set(response_ids)
    rows = session.execute(
        select(Response).where(Response.id.in_(wanted), own_released(viewer))
    ).scalars().all()
    if len(rows) != len(wanted):
        raise NotVisible()
    return list(rows)


def my_reflections(session: Session, viewer: User,
                   response_ids: Iterable[int] | None = None) -> dict[int, Reflection]:
    """The viewer's reflections on their own answers, by response id."""
    statement = (select(Reflection).join(Response, Reflection.response_id == Response.id)
                 .where(Reflection.author_id == viewer.id, own_released(viewer)))
    if response_ids is not None:
        statement = statement.where(Reflection.response_id.in_(set(response_ids)))
    return {r.response_id: r for r in session.execute(statement).scalars()}


def notes_on_my_answers(session: Session, viewer: User,
                        response_ids: Iterable[int]) -> dict[int, list[NoteView]]:
    """Coaching notes on the viewer's own answers, from every share, oldest first."""
    return notes_where(session, own_released(viewer),
                       CoachingNote.response_id.in_(set(response_ids)))


def my_score_counts(session: Session, viewer: User, since: date) -> list[ScoreCounts]:
    """The viewer's own released answers from week `since` on, counted per (week, month)."""
    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(Response.week_start, Response.month_start, func.count(Response.id),
               func.sum(Response.respected), count_if(Response.respected >= 4),
               func.sum(Response.helped), count_if(Response.helped >= 4),
               count_if(Response.pressure != Pressure.NO),
               count_if(Response.doubtful_promise.is_(True)))
        .where(own_released(viewer), Response.week_start >= since)
        .group_by(Response.week_start, Response.month_start)
    ).all()
    return [ScoreCounts(row[0], row[1], *(int(v or 0) for v in row[2:])) for row in rows]


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
            own_released(viewer), Response.reveal_identity.is_(True))
    ).scalars())
