"""Survey-link tokens: 192 random bits, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from feedback.models import Engagement, Invitation, Response, SurveyToken

TOKEN_BYTES = 24  # 192 bits; urlsafe base64 gives 32 characters
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def hash_token(raw: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def mint(session: Session, invitation_id: int) -> tuple[str, SurveyToken]:
    """Create a link token for an invitation; the raw value is returned, never stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    row = SurveyToken(invitation_id=invitation_id, token_hash=hash_token(raw))
    session.add(row)
    return raw, row


def find_invitation(session: Session, raw: str) -> Invitation | None:
    """The invitation a token belongs to, or None for anything malformed or unknown.

    Expiry is the caller's business: unsubscribe honours old links, answering does not.
    """
    if not isinstance(raw, str) or not _TOKEN_SHAPE.match(raw):
        return None
    digest = hash_token(raw)
    row = session.execute(
        select(SurveyToken).where(SurveyToken.token_hash == digest)
    ).scalar_one_or_none()
    # The index lookup is by hash, so timing says nothing about the raw token;
    # compare_digest keeps the final check constant-time all the same.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row.invitation


def find_for_survey(session: Session, raw: str) -> tuple[Invitation, Response | None] | None:
    """The invitation behind a link with everything the survey page shows, in one query.

    Loads the engagement, salesperson and any existing answer alongside: the page is
    the one customers wait for, so it makes one round trip, not five.
    """
    if not isinstance(raw, str) or not _TOKEN_SHAPE.match(raw):
        return None
    digest = hash_token(raw)
    row = session.execute(
        select(Invitation, Response, SurveyToken.token_hash)
        .join(SurveyToken, SurveyToken.invitation_id == Invitation.id)
        .join(Invitation.engagement)
        .join(Engagement.salesperson)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .options(contains_eager(Invitation.engagement).contains_eager(Engagement.salesperson))
        .where(SurveyToken.token_hash == digest)
    ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row.Invitation, row.Response
