"""What a coach may read through a share, and what its owner sees of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload

from feedback.core.errors import NotVisible
from feedback.models import (
    AuditEvent,
    CoachingNote,
    Reflection,
    Response,
    Share,
    ShareScope,
    User,
    share_answers,
)
from feedback.privacy.items import SharedView, ShareViewEvent, in_feed_order, notes_where, to_item

#: The audit action a coach's opening of a share is logged under (the owner reads it back).
SHARE_VIEW = "share.view"


def my_shares(session: Session, owner: User) -> list[Share]:
    """Every share the owner made, active or revoked, newest first."""
    return list(session.execute(
        select(Share).where(Share.owner_id == owner.id)
        .options(joinedload(Share.coach)).order_by(Share.created_at.desc(), Share.id.desc())
    ).scalars())


def own_share(session: Session, owner: User, share_id: int) -> Share:
    """One of the owner's shares (active or revoked); NotVisible otherwise."""
    share = session.execute(
        select(Share).where(Share.id == share_id, Share.owner_id == owner.id)
    ).scalar_one_or_none()
    if share is None:
        raise NotVisible()
    return share


def _active_with(coach: User):
    # A revoked share, or one whose owner has left, shows nothing from the next request on.
    owner = aliased(User)
    return (select(Share).join(owner, Share.owner_id == owner.id)
            .where(Share.coach_id == coach.id, Share.revoked_at.is_(None),
                   owner.active.is_(True)))


def coach_inbox(session: Session, coach: User) -> list[Share]:
    """Active shares with the coach, newest first."""
    return list(session.execute(
        _active_with(coach).options(joinedload(Share.owner))
        .order_by(Share.created_at.desc(), Share.id.desc())
    ).scalars())


def coach_share(session: Session, coach: User, share_id: int) -> Share:
    """An active share with this coach; NotVisible if revoked, someone else's, or missing."""
    share = session.execute(_active_with(coach).where(Share.id == share_id)).scalar_one_or_none()
    if share is None:
        raise NotVisible()
    return share


def _share_and_role(session: Session, viewer: User, share_id: int) -> tuple[Share, bool]:
    """The share and whether the viewer owns it (else they are its coach)."""
    try:
        return own_share(session, viewer, share_id), True
    except NotVisible:
        return coach_share(session, viewer, share_id), False


def _inside(share: Share) -> list:
    """The answers a share covers: the owner's released ones in its window or its list."""
    clauses = [Response.salesperson_id == share.owner_id, Response.released_at.is_not(None)]
    if share.scope is ShareScope.PERIOD:
        clauses.append(Response.week_start.between(share.period_start, share.period_end))
    else:
        clauses.append(Response.id.in_(select(share_answers.c.response_id)
                                       .where(share_answers.c.share_id == share.id)))
    return clauses


def shared_view(session: Session, viewer: User, share_id: int) -> SharedView:
    """What a share shows: to its coach while active, to its owner always (as a preview).

    Customer names are hidden from everyone here, the owner included, so the owner's
    preview is exactly what the coach reads.
    """
    share, is_owner = _share_and_role(session, viewer, share_id)
    rows = session.execute(select(Response).where(*_inside(share))).scalars().all()
    items = [to_item(r, names=False) for r in in_feed_order(rows)]
    ids = {item.id for item in items}
    if not ids:
        return SharedView(share, [], viewer_is_owner=is_owner)
    reflections = {}
    if share.include_reflections:
        reflections = dict(session.execute(
            select(Reflection.response_id, Reflection.body)
            .where(Reflection.response_id.in_(ids), Reflection.author_id == share.owner_id)
        ).all())
    notes = notes_where(session, CoachingNote.share_id == share.id,
                        CoachingNote.response_id.in_(ids))
    return SharedView(share, items, reflections, notes, viewer_is_owner=is_owner)


def shared_answer(session: Session, viewer: User, share_id: int, response_id: int) -> Share:
    """The active share, if `response_id` is inside it and the viewer is its owner or coach."""
    share, _ = _share_and_role(session, viewer, share_id)
    inside = session.execute(
        select(Response.id).where(Response.id == response_id, *_inside(share))
    ).first()
    if share.revoked_at is not None or inside is None:
        raise NotVisible()
    return share


def share_view_log(session: Session, owner: User, limit: int = 200) -> list[ShareViewEvent]:
    """When coaches opened the owner's shares, newest first."""
    rows = session.execute(
        select(AuditEvent.subject_id, User.name, AuditEvent.at)
        .join(Share, Share.id == AuditEvent.subject_id)
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action == SHARE_VIEW, AuditEvent.subject_type == "share",
               Share.owner_id == owner.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ).all()
    return [ShareViewEvent(*row) for row in rows]
