"""Server-side sessions for staff: every signed-in browser is a row that can be revoked.

The browser's signed cookie carries only a random key. Signing out, deactivation,
a new password and the idle and absolute timeouts delete rows, so a copied cookie
stops working everywhere at once. Only the key's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.models import StaffSession, User

KEY_BYTES = 32
#: How stale `last_seen_at` may get before a request refreshes it (limits writes).
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    """How long a session lives without activity, and at most."""

    idle: timedelta
    absolute: timedelta


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start(session: Session, user: User, *, user_agent: str = "",
          now: datetime | None = None) -> str:
    """A new session for `user`; returns the raw key for the cookie (never stored)."""
    now = now or clock.now()
    key = secrets.token_urlsafe(KEY_BYTES)
    session.add(StaffSession(user_id=user.id, key_hash=_hash(key), created_at=now,
                             last_seen_at=now, user_agent=user_agent[:200]))
    session.flush()
    return key


def resume(session: Session, key: str, timeouts: Timeouts, *,
           now: datetime | None = None) -> User | None:
    """The active user whose live session has this key, or None.

    An expired session is deleted on the spot; a live one is marked as seen
    (at most once a minute, so reading pages rarely writes).
    """
    if not isinstance(key, str) or not key:
        return None
    now = now or clock.now()
    row = session.execute(
        select(StaffSession).where(StaffSession.key_hash == _hash(key))
    ).scalar_one_or_none()
    if row is None:
        return None
    if _expired(row, timeouts, now) or not row.user.active:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return row.user


def _expired(row: StaffSession, timeouts: Timeouts, now: datetime) -> bool:
    return (now - row.last_seen_at >= timeouts.idle
            or now - row.created_at >= timeouts.absolute)


def end(session: Session, key: str) -> None:
    """Sign this one browser out."""
    session.execute(delete(StaffSession).where(StaffSession.key_hash == _hash(key)))


def end_one(session: Session, user: User, session_id: int) -> bool:
    """End one of `user`'s own sessions by its id; False if there is no such session of theirs."""
    return session.execute(
        delete(StaffSession).where(StaffSession.id == session_id,
                                   StaffSession.user_id == user.id)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def end_all(session: Session, user: User, *, keep_key: str | None = None) -> int:
    """Sign `user` out everywhere (except the browser holding `keep_key`); how many ended."""
    query = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep_key:
        query = query.where(StaffSession.key_hash != _hash(keep_key))
    return session.execute(query.execution_options(synchronize_session=False)).rowcount


@dataclass(frozen=True)
class SessionView:
    """One of my sessions, as the account page lists it."""

    id: int
    started_at: datetime
    last_seen_at: datetime
    user_agent: str
    current: bool


def list_for(session: Session, user: User, timeouts: Timeouts, *, current_key: str | None,
             now: datetime | None = None) -> list[SessionView]:
    """`user`'s live sessions, newest first; the one holding `current_key` is marked."""
    now = now or clock.now()
    current_hash = _hash(current_key) if current_key else None
    rows = session.execute(
        select(StaffSession).where(StaffSession.user_id == user.id)
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id.desc())
    ).scalars()
    return [SessionView(row.id, row.created_at, row.last_seen_at, row.user_agent,
                        row.key_hash == current_hash)
            for row in rows if not _expired(row, timeouts, now)]


def purge_expired(session: Session, timeouts: Timeouts, *, now: datetime | None = None) -> int:
    """Delete every expired session (the timeouts already refuse them); how many."""
    now = now or clock.now()
    return session.execute(
        delete(StaffSession).where(or_(StaffSession.last_seen_at <= now - timeouts.idle,
                                       StaffSession.created_at <= now - timeouts.absolute))
        .execution_options(synchronize_session=False)
    ).rowcount
