"""Team trends for managers: fixed week and month cells, thresholded, never per person.

The only reader of response_rollups. Which cells may show numbers is decided by
feedback.team.disclosure (thresholds and complementary suppression, with its proof);
here the rollups are read, the rule applied, and each cell's figures computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.core.errors import NotVisible
from feedback.core.settings import Settings
from feedback.models import Period, ResponseRollup, Team, User, team_managers
from feedback.team.disclosure import CellKey, PartKey, Tally, Thresholds, cells_of, visible_cells
from feedback.team.rollups import next_month

NOT_ENOUGH = "not enough responses yet"
#: Table columns, not ORM attributes: these reads are plain rows, and Core is quicker.
_ROLLUPS = ResponseRollup.__table__.c
_COUNTED = (_ROLLUPS.sent, _ROLLUPS.answers, _ROLLUPS.respected_yes, _ROLLUPS.helped_yes,
            _ROLLUPS.pressured, _ROLLUPS.doubted_promise)
#: Days as the driver gives them: SQLite's text goes through date.fromisoformat (_day),
#: several times quicker than SQLAlchemy's own parsing on a page that reads hundreds.
_DAYS = (type_coerce(_ROLLUPS.week_start, String), type_coerce(_ROLLUPS.month_start, String))


@dataclass(frozen=True)
class Cell:
    """One team cell as a manager may see it; all figures None unless shown."""

    period: Period
    start: date
    shown: bool
    in_progress: bool
    answers: int | None = None
    sent: int | None = None
    response_rate: float | None = None
    respected: float | None = None
    helped: float | None = None
    pressured: float | None = None
    doubted_promise: float | None = None

    @property
    def end(self) -> date:
        """The last day of the cell."""
        if self.period is Period.WEEK:
            return self.start + timedelta(days=6)
        return next_month(self.start) - timedelta(days=1)

    @property
    def label(self) -> str:
        """Short, for a chart axis: "3 Mar" or "Mar 26"."""
        return f"{self.start:%-d %b}" if self.period is Period.WEEK else f"{self.start:%b %y}"

    @property
    def long_label(self) -> str:
        """"week of 3 March 2026" or "March 2026"."""
        if self.period is Period.WEEK:
            return f"week of {self.start:%-d %B %Y}"
        return f"{self.start:%B %Y}"


@dataclass(frozen=True)
class TeamTrends:
    team_id: int
    team_name: str
    weeks: list[Cell]  # newest first
    months: list[Cell]  # newest first
    thresholds: Thresholds


def managed_teams(session: Session, manager: User) -> list[Team]:
    """The teams `manager` manages, by name."""
    return list(session.execute(
        select(Team).join(team_managers, team_managers.c.team_id == Team.id)
        .where(team_managers.c.user_id == manager.id).order_by(Team.name)
    ).scalars())


def managed_team(session: Session, manager: User, team_id: int) -> Team:
    """One team `manager` manages; NotVisible for any other id, existing or not."""
    team = session.execute(
        select(Team).join(team_managers, team_managers.c.team_id == Team.id)
        .where(Team.id == team_id, team_managers.c.user_id == manager.id)
    ).scalar_one_or_none()
    if team is None:
        raise NotVisible()
    return team


def team_trends(session: Session, team: Team, settings: Settings,
                today: date | None = None, latest: int | None = None) -> TeamTrends:
    """The week and month cells of `team`, from its first conversation (or only the
    `latest` few) to today. Which cells show numbers is decided on the whole history
    either way, so a page and the full export always agree."""
    today = today or clock.now().date()
    thresholds = Thresholds.from_settings(settings)
    parts, headcounts = _part_totals(session, team.id)
    if all(not t.answers or thresholds.enough(t.answers, headcounts[p])
           for p, t in parts.items()):
        # Every part is large enough on its own, so every group of parts is too: all
        # cells with answers may be shown, no need to look at who is in which part.
        shown = {cell for part, t in parts.items() if t.answers for cell in cells_of(part)}
    else:
        _add_people(session, team.id, parts)
        shown = visible_cells(parts, thresholds)
    tallies: dict[CellKey, Tally] = defaultdict(Tally)
    for (week, month), tally in parts.items():
        tallies[(Period.WEEK, week)].add(tally)
        tallies[(Period.MONTH, month)].add(tally)
    this_week, this_month = today - timedelta(days=today.weekday()), today.replace(day=1)
    weeks = _span(Period.WEEK, [w for w, _ in parts], this_week)[:latest]
    months = _span(Period.MONTH, [m for _, m in parts], this_month)[:latest]
    current = {(Period.WEEK, this_week), (Period.MONTH, this_month)}
    return TeamTrends(
        team.id, team.name,
        [_cell(key, tallies.get(key), key in shown, key in current) for key in weeks],
        [_cell(key, tallies.get(key), key in shown, key in current) for key in months],
        thresholds,
    )


def _part_totals(session: Session, team_id: int) -> tuple[dict[PartKey, Tally],
                                                         dict[PartKey, int]]:
    """The team's counts per week part (summed in the database), and how many
    salespeople each part's answers are about (one rollup row per person and part)."""
    rows = session.connection().execute(
        select(*_DAYS, *(func.sum(column) for column in _COUNTED),
               func.sum(case((_ROLLUPS.answers > 0, 1), else_=0)))
        .where(_ROLLUPS.team_id == team_id)
        .group_by(_ROLLUPS.week_start, _ROLLUPS.month_start)
    ).all()
    parts, people = {}, {}
    for week, month, *counts, headcount in rows:
        key = (_day(week), _day(month))
        parts[key] = Tally(*map(int, counts))
        people[key] = int(headcount)
    return parts, people


def load_parts(session: Session, team_id: int) -> dict[PartKey, Tally]:
    """The team's counts per week part with who is in each (for feedback.team.disclosure)."""
    parts, _ = _part_totals(session, team_id)
    _add_people(session, team_id, parts)
    return parts


def _add_people(session: Session, team_id: int, parts: dict[PartKey, Tally]) -> None:
    rows = session.connection().execute(
        select(*_DAYS, _ROLLUPS.salesperson_id)
        .where(_ROLLUPS.team_id == team_id, _ROLLUPS.answers > 0)
    ).all()
    for week, month, person in rows:
        parts[(_day(week), _day(month))].people.add(person)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _span(period: Period, starts: list[date], current: date) -> list[CellKey]:
    """Every cell from the first with data to the current one, newest first."""
    if not starts:
        return []
    keys, start = [], min(starts)
    while start <= current:
        keys.append((period, start))
        start = start + timedelta(days=7) if period is Period.WEEK else next_month(start)
    return keys[::-1]


def _cell(key: CellKey, tally: Tally | None, shown: bool, in_progress: bool) -> Cell:
    period, start = key
    if not shown or tally is None:
        return Cell(period, start, shown=False, in_progress=in_progress)
    n = tally.answers
    return Cell(period, start, shown=True, in_progress=in_progress, answers=n,
                sent=tally.sent, response_rate=(n / tally.sent) if tally.sent else None,
                respected=tally.respected_yes / n, helped=tally.helped_yes / n,
                pressured=tally.pressured / n, doubted_promise=tally.doubted_promise / n)
