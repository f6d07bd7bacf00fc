"""A customer's answer: one per invitation, attributed as things were at the conversation."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.engagements import Invitation
from feedback.models.types import UTCDateTime, utcnow

IMPROVE_MAX = 2000
NOTE_MAX = 1000
PRODUCT_MAX = 2000


class Pressure(enum.StrEnum):
    NO = "no"
    A_LITTLE = "a_little"
    YES = "yes"


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("respected BETWEEN 1 AND 5", name="respected_range"),
        CheckConstraint("helped BETWEEN 1 AND 5", name="helped_range"),
        # One salesperson's answers of a week: their feed, and a rollup part's recount
        # (whose key adds team and month; without them SQLite may pick the team index).
        Index("ix_responses_salesperson_part", "salesperson_id", "week_start", "team_id",
              "month_start"),
        Index("ix_responses_team_week", "team_id", "week_start"),
        # Anonymous answers waiting for batch-mates: counted on every new answer.
        Index("ix_responses_unreleased", "salesperson_id",
              sqlite_where=text("released_at IS NULL"),
              postgresql_where=text("released_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One response per invitation; a re-submit inside the edit window updates it.
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    #: The salesperson and team at the time of the conversation, copied, not joined.
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    #: Monday of the conversation's week: all an anonymous answer is dated by.
    week_start: Mapped[date]
    #: First day of the conversation's calendar month (monthly team cells use it).
    month_start: Mapped[date | None]

    respected: Mapped[int]
    helped: Mapped[int]
    pressure: Mapped[Pressure] = mapped_column(
        Enum(Pressure, name="pressure", values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, native_enum=False, length=16)
    )
    doubtful_promise: Mapped[bool]
    promise_note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    improve_comment: Mapped[str] = mapped_column(Text, default="")
    product_comment: Mapped[str] = mapped_column(Text, default="")
    product_contact_ok: Mapped[bool] = mapped_column(default=False)
    #: Off by default: the salesperson sees who answered only if the customer says so.
    reveal_identity: Mapped[bool] = mapped_column(default=False)

    #: When the salesperson may first see it. Anonymous answers wait for batch-mates
    #: (feedback.privacy.anonymity) so the moment one appears does not name its customer.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship()
