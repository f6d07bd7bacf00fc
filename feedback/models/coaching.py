"""What a salesperson writes about their own feedback, and what they share with a coach."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, Enum, ForeignKey, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.people import User
from feedback.models.responses import Response
from feedback.models.types import UTCDateTime, utcnow

REFLECTION_MAX = 4000
NOTE_MAX = 4000


class Reflection(db.Model):
    """A salesperson's private note on one answer about them ("what I'd do differently")."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One reflection per answer; editing replaces the text.
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship()


class ShareScope(enum.StrEnum):
    PERIOD = "period"    # every answer whose conversation week falls in [start, end]
    ANSWERS = "answers"  # exactly the answers listed in share_answers


#: The answers a share of scope "answers" covers.
share_answers = Table(
    "share_answers",
    db.metadata,
    Column("share_id", ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True),
    Column("response_id", ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
)


class Share(db.Model):
    """A salesperson lets one coach read a window of their feedback, until revoked."""

    __tablename__ = "shares"
    __table_args__ = (
        CheckConstraint("owner_id <> coach_id", name="not_with_self"),
        CheckConstraint(
            "scope <> 'period' OR (period_start IS NOT NULL AND period_end IS NOT NULL "
            "AND period_start <= period_end)",
            name="period_is_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[ShareScope] = mapped_column(
        Enum(ShareScope, name="share_scope", values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, native_enum=False, length=16))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    include_reflections: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set once; a revoked share shows nothing from the next request on.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    answers: Mapped[list[Response]] = relationship(secondary=share_answers)


class CoachingNote(db.Model):
    """A note on a shared answer, visible to the salesperson and the coach of that share."""

    __tablename__ = "coaching_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"),
                                          index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"),
                                             index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


__all__ = ["CoachingNote", "Reflection", "Share", "ShareScope", "share_answers"]
