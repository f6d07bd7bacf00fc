"""Pre-counted answers per team, salesperson and calendar period, for fast trends.

Rows are per salesperson only so that a cell's distinct-people count can be kept
exactly; they are never shown per person. services.aggregates is the only reader.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Enum, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.extensions import db


class Period(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


class ResponseRollup(db.Model):
    __tablename__ = "response_rollups"
    __table_args__ = (
        UniqueConstraint("team_id", "salesperson_id", "period", "period_start",
                         name="uq_response_rollups_cell"),
        Index("ix_response_rollups_team_period", "team_id", "period", "period_start"),
        Index("ix_response_rollups_person_period", "salesperson_id", "period", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[Period] = mapped_column(
        Enum(Period, name="rollup_period", values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, native_enum=False, length=8))
    period_start: Mapped[date]
    #: Surveys sent for conversations in this period (the response-rate denominator).
    sent: Mapped[int] = mapped_column(default=0)
    answers: Mapped[int] = mapped_column(default=0)
    respected_sum: Mapped[int] = mapped_column(default=0)
    helped_sum: Mapped[int] = mapped_column(default=0)
    #: Answers of 4 or 5 ("felt respected", "felt helped").
    respected_yes: Mapped[int] = mapped_column(default=0)
    helped_yes: Mapped[int] = mapped_column(default=0)
    #: "a little" or "yes" to "did you feel pressured".
    pressured: Mapped[int] = mapped_column(default=0)
    doubted_promise: Mapped[int] = mapped_column(default=0)
