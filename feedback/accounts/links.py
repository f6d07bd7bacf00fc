"""Single-use, expiring links that let a staff member set their password.

An invite (no password yet) or a reset (the admin sends a fresh link). The raw token
goes only into the email to the person themself: only its SHA-256 is stored, and no
page ever shows it to an admin, who could otherwise sign in as that person and read
their feedback.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from feedback.accounts import sessions as staff_sessions
from feedback.accounts.passwords import MIN_PASSWORD_LENGTH, AccountError
from feedback.core import audit, clock
from feedback.core.addresses import normalise_email
from feedback.core.errors import DomainError
from feedback.models import AccountLink, AccountLinkPurpose, User

TOKEN_BYTES = 32  # 256 bits; urlsafe base64 gives 43 characters
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: How long each kind of link works.
LIFETIME = {
    AccountLinkPurpose.INVITE: timedelta(hours=72),
    AccountLinkPurpose.PASSWORD_RESET: timedelta(hours=24),
}
#: Links people ask for themselves ("forgot my password") are shorter-lived.
SELF_SERVICE_LIFETIME = timedelta(hours=1)
MAX_PASSWORD_LENGTH = 1024


class LinkInvalid(DomainError):
    """The link is unknown, used, expired, or its account is deactivated."""

    code = "link_invalid"


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the raw token exists only here and in the email."""

    user: User
    raw_token: str
    purpose: AccountLinkPurpose
    expires_at: datetime
    #: Asked for on the sign-in page rather than sent by an admin.
    self_service: bool = False


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def issue(session: Session, user: User, *, now: datetime | None = None,
          self_service: bool = False) -> IssuedLink:
    """A new link for `user`; any earlier unused link of theirs stops working.

    An invite if they have never set a password, a reset otherwise.
    """
    now = now or clock.now()
    if not user.active:
        raise AccountError("This account is deactivated; reactivate it first.")
    purpose = (AccountLinkPurpose.INVITE if user.password_hash is None
               else AccountLinkPurpose.PASSWORD_RESET)
    revoke_all(session, user)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + (SELF_SERVICE_LIFETIME if self_service else LIFETIME[purpose])
    session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=_hash(raw),
                            created_at=now, expires_at=expires_at))
    session.flush()
    return IssuedLink(user=user, raw_token=raw, purpose=purpose, expires_at=expires_at,
                      self_service=self_service)


def request_reset(session: Session, email: str, *, now: datetime | None = None
                  ) -> IssuedLink | None:
    """A self-service link for the active account with this email, or None.

    The caller must answer the same way either way, so nobody learns who has an account.
    """
    user = session.execute(
        select(User).where(User.email == normalise_email(email[:254]))
    ).scalar_one_or_none()
    if user is None or not user.active:
        return None
    link = issue(session, user, now=now, self_service=True)
    audit.record(session, user, "auth.reset_requested", subject_type="user", subject_id=user.id)
    return link


def revoke_all(session: Session, user: User) -> None:
    """Every unused link of `user` stops working."""
    session.execute(delete(AccountLink).where(AccountLink.user_id == user.id,
                                              AccountLink.used_at.is_(None)))


def find(session: Session, raw: str, *, now: datetime | None = None) -> AccountLink:
    """The usable link for a raw token; LinkInvalid for anything else."""
    now = now or clock.now()
    if not isinstance(raw, str) or not _SHAPE.match(raw):
        raise LinkInvalid()
    digest = _hash(raw)
    link = session.execute(
        select(AccountLink).where(AccountLink.token_hash == digest)
    ).scalar_one_or_none()
    if (link is None or not hmac.compare_digest(link.token_hash, digest)
            or link.used_at is not None or link.expires_at <= now or not link.user.active):
        raise LinkInvalid()
    return link


def check_password(password: str) -> None:
    """AccountError with a sentence if `password` is not acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters.")


def set_password(session: Session, raw: str, password: str, *,
                 now: datetime | None = None) -> User:
    """Use the link once: set the password and return the user.

    The link is spent by a conditional UPDATE, so two simultaneous submits cannot
    both succeed.
    """
    now = now or clock.now()
    link = find(session, raw, now=now)
    check_password(password)
    spent = session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise LinkInvalid()
    user = link.user
    user.password_hash = generate_password_hash(password)
    # Whoever knew the old password may be signed in somewhere: not any more.
    staff_sessions.end_all(session, user)
    audit.record(session, user, "auth.password_set", subject_type="user", subject_id=user.id,
                 purpose=link.purpose.value)
    session.flush()
    return user


def pending_links(session: Session, user_id: int | None = None) -> dict[int, datetime]:
    """user id -> when their unused link expires (a past date: it expired unused)."""
    query = (select(AccountLink.user_id, func.max(AccountLink.expires_at))
             .where(AccountLink.used_at.is_(None)).group_by(AccountLink.user_id))
    if user_id is not None:
        query = query.where(AccountLink.user_id == user_id)
    return dict(session.execute(query).all())

