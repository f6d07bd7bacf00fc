"""Sharing my feedback with a coach, revoking it, and the coaching notes on shared answers.

What a coach may *read* is decided in feedback.privacy; this module makes the changes
and writes them to the audit log (ids and counts only, never what an answer says).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import privacy
from feedback.core import audit, clock
from feedback.core.errors import DomainError
from feedback.models import CoachingNote, Role, Share, ShareScope, User
from feedback.models.coaching import NOTE_MAX

#: Who may coach: colleagues who can open the coaching inbox.
COACH_ROLES = (Role.SALESPERSON, Role.MANAGER)
#: The longest window one share may cover, so "share everything forever" is a choice
#: made twice rather than by accident.
MAX_PERIOD = timedelta(weeks=104)


class ShareInvalid(DomainError):
    """A share or note could not be made; `field` names the culprit."""

    code = "invalid_share"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CoachChoice:
    id: int
    name: str
    role: Role
    #: Manages the owner's team: listed first, as the usual choice.
    is_my_manager: bool


def monday(day: date) -> date:
    """Monday of the week that contains `day`."""
    return day - timedelta(days=day.weekday())


def coach_choices(session: Session, owner: User) -> list[CoachChoice]:
    """Everyone the owner may share with: active salespeople and managers but themselves.

    The owner's own team managers come first; then everyone by name (never by any score).
    """
    managers = set()
    if owner.team_id is not None:
        managers = {m.id for m in owner.team.managers}
    people = session.execute(
        select(User).where(User.active.is_(True), User.role.in_(COACH_ROLES),
                           User.id != owner.id)
    ).scalars().all()
    choices = [CoachChoice(u.id, u.name, u.role, u.id in managers) for u in people]
    choices.sort(key=lambda c: (not c.is_my_manager, c.name.casefold(), c.id))
    return choices


def share_period(session: Session, owner: User, *, coach_id: int, first_day: date,
                 last_day: date, include_reflections: bool,
                 now: datetime | None = None) -> Share:
    """Share every answer whose conversation week falls between the two days' weeks."""
    start, end = monday(first_day), monday(last_day)
    if start > end:
        raise ShareInvalid("The first week must come before the last.", "last_week")
    if end - start > MAX_PERIOD:
        raise ShareInvalid("Please share at most two years at a time.", "last_week")
    return _create(session, owner, coach_id, ShareScope.PERIOD, include_reflections, now,
                   period_start=start, period_end=end)


def share_chosen(session: Session, owner: User, *, coach_id: int,
                  response_ids: Iterable[int], include_reflections: bool,
                  now: datetime | None = None) -> Share:
    """Share exactly these answers (all must be the owner's own, released)."""
    ids = set(response_ids)
    if not ids:
        raise ShareInvalid("Choose at least one answer to share.", "answers")
    responses = privacy.own_responses(session, owner, ids)
    return _create(session, owner, coach_id, ShareScope.ANSWERS, include_reflections, now,
                   answers=responses)


def _create(session: Session, owner: User, coach_id: int, scope: ShareScope,
            include_reflections: bool, now: datetime | None, **values) -> Share:
    if coach_id not in {c.id for c in coach_choices(session, owner)}:
        raise ShareInvalid("Choose a colleague from the list.", "coach")
    share = Share(owner_id=owner.id, coach_id=coach_id, scope=scope,
                  include_reflections=include_reflections, created_at=now or clock.now(),
                  **values)
    session.add(share)
    session.flush()
    audit.record(session, owner, "share.create", subject_type="share", subject_id=share.id,
                 coach_id=coach_id, scope=scope.value, include_reflections=include_reflections,
                 period_start=share.period_start.isoformat() if share.period_start else None,
                 period_end=share.period_end.isoformat() if share.period_end else None,
                 answers=len(values.get("answers", [])))
    return share


def revoke(session: Session, owner: User, share_id: int, now: datetime | None = None) -> Share:
    """End a share now; the coach sees nothing of it from their next request on.

    Revoking twice changes nothing. NotVisible if the share is not the owner's.
    """
    share = privacy.own_share(session, owner, share_id)
    if share.revoked_at is None:
        share.revoked_at = now or clock.now()
        session.flush()
        audit.record(session, owner, "share.revoke", subject_type="share",
                     subject_id=share.id, coach_id=share.coach_id)
    return share


def record_view(session: Session, coach: User, share: Share) -> None:
    """Log that the coach opened the share (its owner can read the log)."""
    audit.record(session, coach, privacy.SHARE_VIEW, subject_type="share",
                 subject_id=share.id, owner_id=share.owner_id)


def add_note(session: Session, author: User, share_id: int, response_id: int, body: str,
             now: datetime | None = None) -> CoachingNote:
    """A note on a shared answer, by the share's coach or owner, while it is active."""
    body = (body or "").strip()
    if not body:
        raise ShareInvalid("Write a note first.", "body")
    if len(body) > NOTE_MAX:
        raise ShareInvalid(f"Please keep notes under {NOTE_MAX} characters.", "body")
    share = privacy.shared_answer(session, author, share_id, response_id)
    note = CoachingNote(share_id=share.id, response_id=response_id, author_id=author.id,
                        body=body, created_at=now or clock.now())
    session.add(note)
    session.flush()
    audit.record(session, author, "share.note", subject_type="share", subject_id=share.id,
                 note_id=note.id)
    return note
