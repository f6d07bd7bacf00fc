"""A team's trends as CSV: exactly the cells a manager sees on the page, nothing more.

Hidden cells say "not enough responses yet" and carry no figures at all; there is no
column about a person. Every export is written to the audit log.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.orm import Session

from feedback.coaching.my_data import Export, neutralise
from feedback.core import audit, clock
from feedback.core.settings import Settings
from feedback.models import Team, User
from feedback.team import aggregates
from feedback.team.aggregates import NOT_ENOUGH, Cell, TeamTrends

COLUMNS = ("team", "period", "first_day", "last_day", "in_progress", "status", "answers",
           "surveys_sent", "response_rate_percent", "felt_respected_percent",
           "felt_helped_percent", "felt_pressured_percent", "doubted_a_promise_percent")


def _percent(share: float | None) -> str:
    return "" if share is None else str(round(share * 100))


def _row(team_name: str, cell: Cell) -> list[str]:
    figures = ["", "", "", "", "", "", ""]
    if cell.shown:
        figures = [str(cell.answers), str(cell.sent), *map(_percent, (
            cell.response_rate, cell.respected, cell.helped, cell.pressured,
            cell.doubted_promise))]
    return [neutralise(team_name), cell.period.value, cell.start.isoformat(),
            cell.end.isoformat(), "yes" if cell.in_progress else "no",
            "shown" if cell.shown else NOT_ENOUGH, *figures]


def to_csv(trends: TeamTrends) -> str:
    """Months, then weeks, oldest first; formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for cell in [*reversed(trends.months), *reversed(trends.weeks)]:
        writer.writerow(_row(trends.team_name, cell))
    return out.getvalue()


def export(session: Session, manager: User, team: Team, settings: Settings,
           now: datetime | None = None) -> Export:
    """The CSV of `team`'s cells for `manager` (who must manage it), logged in the audit."""
    now = now or clock.now()
    trends = aggregates.team_trends(session, team, settings, today=now.date())
    cells = [*trends.months, *trends.weeks]
    audit.record(session, manager, "export.team_trends", subject_type="team",
                 subject_id=team.id, cells=len(cells),
                 shown=sum(1 for cell in cells if cell.shown))
    session.flush()
    return Export(f"team-{team.id}-trends-{now:%Y-%m-%d}.csv", "text/csv; charset=utf-8",
                  to_csv(trends))
