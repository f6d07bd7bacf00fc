"""Pre-counted answers per team, salesperson and week part, for fast team trends.

One row counts one salesperson's conversations in one team during one *week part*:
the days a calendar week (Monday to Sunday) shares with a calendar month. A week
inside one month is one part; a week across a month boundary has two. Week cells
and month cells are both exact sums of parts, and feedback.team.aggregates needs the
parts themselves to prove that showing weeks and months side by side gives away
no small group (see its module docstring).

Rows are per salesperson only so that a cell's distinct-people count is exact; they
are never shown per person. feedback.team.aggregates is the only reader and
feedback.team.rollups the only writer.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.core.extensions import db


class Period(enum.StrEnum):
    """The two kinds of team cell."""

    WEEK = "week"
    MONTH = "month"


class ResponseRollup(db.Model):
    __tablename__ = "response_rollups"
    __table_args__ = (
        # Also the index Team trends reads by (team first).
        UniqueConstraint("team_id", "week_start", "month_start", "salesperson_id",
                         name="uq_response_rollups_part"),
        CheckConstraint("sent >= 0 AND answers >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The team at the time of the conversations (answers without a team are not counted).
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Monday of the conversations' week.
    week_start: Mapped[date]
    #: First day of the conversations' calendar month.
    month_start: Mapped[date]
    #: Surveys sent (at least once) for conversations in this part: the rate's denominator.
    sent: Mapped[int] = mapped_column(default=0)
    #: Released answers (see feedback.team.rollups for why unreleased ones wait).
    answers: Mapped[int] = mapped_column(default=0)
    respected_sum: Mapped[int] = mapped_column(default=0)
    helped_sum: Mapped[int] = mapped_column(default=0)
    #: Answers of 4 or 5 ("felt respected", "felt helped").
    respected_yes: Mapped[int] = mapped_column(default=0)
    helped_yes: Mapped[int] = mapped_column(default=0)
    #: "a little" or "yes" to "did you feel pressured".
    pressured: Mapped[int] = mapped_column(default=0)
    doubted_promise: Mapped[int] = mapped_column(default=0)
