"""Conversations, the invitations they produce (the outbox), and who must not be mailed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.people import Team, User
from feedback.models.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, native_enum=False, length=24)


class EngagementKind(enum.StrEnum):
    CALL = "call"
    DEMO = "demo"
    MEETING = "meeting"
    OTHER = "other"


class EngagementSource(enum.StrEnum):
    UI = "ui"
    API = "api"
    CSV = "csv"
    DEMO = "demo"


class InvitationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"
    SKIPPED = "skipped"
    FAILED = "failed"


class SkipReason(enum.StrEnum):
    TOO_OLD = "too_old"
    COOLDOWN = "cooldown"
    DUPLICATE = "duplicate"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    SUPPRESSED = "suppressed"
    STAFF_ADDRESS = "staff_address"
    INTERNAL_DOMAIN = "internal_domain"
    COMPANY_CAP = "company_cap"


class SuppressionReason(enum.StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    MANUAL = "manual"


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased and stripped; one row per address.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: The part after "@", for the optional per-company cap.
    email_domain: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    company: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Engagement(db.Model):
    """One sales conversation, logged by hand, by a CRM or from a spreadsheet."""

    __tablename__ = "engagements"
    __table_args__ = (
        # A salesperson's conversations by time: their lists, and rollup recounts.
        Index("ix_engagements_salesperson_occurred", "salesperson_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The salesperson's team when the conversation happened (aggregates use this).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[EngagementKind] = mapped_column(_enum(EngagementKind, "engagement_kind"))
    source: Mapped[EngagementSource] = mapped_column(
        _enum(EngagementSource, "engagement_source"), default=EngagementSource.UI
    )
    #: The CRM's own id; makes API and CSV imports idempotent.
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    salesperson: Mapped[User] = relationship(foreign_keys=[salesperson_id])
    team: Mapped[Team | None] = relationship()
    customer: Mapped[Customer] = relationship()
    invitation: Mapped[Invitation | None] = relationship(
        back_populates="engagement", uselist=False
    )


class Invitation(db.Model):
    """The outbox row for one engagement: every engagement ends in exactly one outcome."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint(
            "(status = 'skipped') = (skip_reason IS NOT NULL)", name="skip_reason_iff_skipped"
        ),
        Index("ix_invitations_due", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagements.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus, "invitation_status"), default=InvitationStatus.SCHEDULED
    )
    skip_reason: Mapped[SkipReason | None] = mapped_column(_enum(SkipReason, "skip_reason"))
    #: When the next send (first, retry or reminder) is due.
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The first time a worker tried; the retry horizon counts from here.
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: Stable across retries so a receiving server can drop a duplicate.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: A worker that claimed this row owns it until the lease ends.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="invitation")


class SurveyToken(db.Model):
    """A link sent to a customer. Only the SHA-256 of the random token is kept."""

    __tablename__ = "survey_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship()


class Suppression(db.Model):
    """An address that is never surveyed again (unsubscribed, bounced, or added by hand)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[SuppressionReason] = mapped_column(
        _enum(SuppressionReason, "suppression_reason")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = ["Customer", "Engagement", "Invitation", "SurveyToken", "Suppression"]
