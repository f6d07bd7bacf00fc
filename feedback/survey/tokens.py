"""Survey-link tokens: 192 random bits, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from feedback.models import Engagement, Invitation, InvitationStatus, Response, SurveyToken, User

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


@dataclass(frozen=True, slots=True)
class Conversation:
    """What recording an answer needs to know about the conversation."""

    salesperson_id: int
    team_id: int | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class SurveyLink:
    """An invitation as the survey page sees it, read in one query without ORM objects.

    Has the attributes answers.ensure_open and answers.record read from an Invitation.
    """

    id: int
    status: InvitationStatus
    first_sent_at: datetime | None
    expires_at: datetime | None
    engagement: Conversation
    salesperson_name: str
    response_id: int | None

    @property
    def salesperson_first_name(self) -> str:
        return self.salesperson_name.split()[0] if self.salesperson_name.strip() else ""


def find_for_survey(session: Session, raw: str) -> tuple[Invitation, Response | None] | None:
    """The invitation behind a link and any answer given on it, as ORM objects.

    For callers that change them; the survey page itself reads the lighter find_link.
    """
    link = find_link(session, raw)
    if link is None:
        return None
    invitation = session.get(Invitation, link.id)
    if invitation is None:  # deleted since the link was read
        return None
    response = session.get(Response, link.response_id) if link.response_id else None
    return invitation, response


def find_link(session: Session, raw: str) -> SurveyLink | None:
    """The invitation behind a link with everything the survey page shows, in one query.

    Reads the conversation, the salesperson's name and the id of any existing answer
    alongside: the page is the one customers wait for, so it makes one round trip.
    """
    if not isinstance(raw, str) or not _TOKEN_SHAPE.match(raw):
        return None
    digest = hash_token(raw)
    row = session.connection().execute(_survey_lookup(), {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return SurveyLink(
        id=row.id, status=row.status, first_sent_at=row.first_sent_at,
        expires_at=row.expires_at,
        engagement=Conversation(row.salesperson_id, row.team_id, row.occurred_at),
        salesperson_name=row.name, response_id=row.response_id,
    )


@cache
def _survey_lookup():
    # Built once (the statement is the same for every token; only `digest` changes).
    return (
        select(Invitation.id, Invitation.status, Invitation.first_sent_at,
               Invitation.expires_at, Engagement.salesperson_id, Engagement.team_id,
               Engagement.occurred_at, User.name, Response.id.label("response_id"),
               SurveyToken.token_hash)
        .join(SurveyToken, SurveyToken.invitation_id == Invitation.id)
        .join(Engagement, Engagement.id == Invitation.engagement_id)
        .join(User, User.id == Engagement.salesperson_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(SurveyToken.token_hash == bindparam("digest"))
    )
