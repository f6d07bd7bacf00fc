"""Keeping response_rollups equal to a count from scratch.

A rollup row counts one salesperson's conversations in one team during one week part
(the days a calendar week shares with a calendar month; see models.rollups). Nothing
here adds or subtracts: whenever something a part counts may have changed, the whole
part is counted again from the source rows. So late answers, edits inside the edit
window (even one that changes nothing but a score), releases and deletions all come
out right by construction, and `rebuild` gives exactly what the refreshes give.

Callers (each inside its own transaction, after its change is flushed):
- answers.record           -> refresh_for_response(session, response)
- anonymity (on release)   -> refresh_released(session, released_rows)
- customer_rights (delete) -> refresh(session, salesperson_id=..., team_id=..., ...)
- delivery (first send)    -> refresh_for_invitation(session, invitation_id)
- `rebuild` for a whole organisation (demo data, repair, after a restore).

Which answers count: only released ones. Managers never see a person's numbers, but
they do see a team cell change. If an anonymous answer counted the moment it
arrived, a manager watching the page could see "one more answer, felt respected"
appear at 10:03 and tell the salesperson, who knows whom they met: exactly the
arrival time that batched release hides. Counting released answers only, a team cell
changes when the salesperson's own feed changes, never earlier, so the team page
tells nobody anything about timing that the salesperson does not already see. The
price: up to two waiting answers per salesperson are not yet in the team figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import (
    Date,
    bindparam,
    case,
    delete,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.models import Engagement, Invitation, Pressure, Response, ResponseRollup

_KEY = ("team_id", "week_start", "month_start", "salesperson_id")
_COUNTS = ("answers", "respected_sum", "helped_sum", "respected_yes", "helped_yes",
           "pressured", "doubted_promise")


@dataclass(frozen=True, order=True)
class Part:
    """The key of one rollup row."""

    team_id: int
    week_start: date
    month_start: date
    salesperson_id: int

    def days(self) -> tuple[datetime, datetime]:
        """The half-open UTC range of conversation times this part covers."""
        first = max(self.week_start, self.month_start)
        last = min(self.week_start + timedelta(days=7), next_month(self.month_start))
        return (datetime.combine(first, time(), UTC), datetime.combine(last, time(), UTC))


def next_month(month_start: date) -> date:
    """The first day of the month after the one starting on `month_start`."""
    return (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _answer_counts() -> list:
    """What a part counts about its released answers, in _COUNTS order."""
    return [
        func.count(Response.id).label("answers"),
        func.coalesce(func.sum(Response.respected), 0).label("respected_sum"),
        func.coalesce(func.sum(Response.helped), 0).label("helped_sum"),
        _count_if(Response.respected >= 4).label("respected_yes"),
        _count_if(Response.helped >= 4).label("helped_yes"),
        _count_if(Response.pressure != Pressure.NO).label("pressured"),
        _count_if(Response.doubtful_promise.is_(True)).label("doubted_promise"),
    ]


def refresh(session: Session, *, salesperson_id: int, team_id: int | None,
            week_start: date, month_start: date | None) -> None:
    """Count one part again from scratch (nothing to do for answers without a team)."""
    if team_id is None or month_start is None:
        return
    _refresh_parts(session, [Part(team_id, week_start, month_start, salesperson_id)])


def refresh_for_response(session: Session, response: Response) -> None:
    """Count again the part an answer belongs to (after it was recorded or edited).

    An answer still waiting for release is not counted, so its part cannot have
    changed: nothing to do until anonymity releases it (refresh_for_responses).
    """
    if response.released_at is None:
        return
    refresh(session, salesperson_id=response.salesperson_id, team_id=response.team_id,
            week_start=response.week_start, month_start=response.month_start)


def refresh_for_responses(session: Session, response_ids: Iterable[int]) -> None:
    """Count again every part these answers belong to (after a batch was released)."""
    ids = set(response_ids)
    if not ids:
        return
    session.flush()
    rows = session.execute(
        select(Response.team_id, Response.week_start, Response.month_start,
               Response.salesperson_id)
        .where(Response.id.in_(ids), Response.team_id.is_not(None),
               Response.month_start.is_not(None))
        .distinct()
    ).all()
    _refresh_parts(session, [Part(*row) for row in rows])


def refresh_released(session: Session, rows: Iterable) -> None:
    """Count again the parts of answers just released, given each one's part key
    (rows with team_id, week_start, month_start and salesperson_id, as RETURNING gives)."""
    _refresh_parts(session, [
        Part(row.team_id, row.week_start, row.month_start, row.salesperson_id)
        for row in rows if row.team_id is not None and row.month_start is not None
    ])


def refresh_for_invitation(session: Session, invitation_id: int) -> None:
    """Count again the part of an invitation's conversation (after its first send)."""
    refresh_for_invitations(session, [invitation_id])


def refresh_for_invitations(session: Session, invitation_ids: Iterable[int]) -> None:
    """Count again the parts of these invitations' conversations (after a batch of sends)."""
    ids = set(invitation_ids)
    if not ids:
        return
    session.flush()
    rows = session.execute(
        select(Engagement.salesperson_id, Engagement.team_id, Engagement.occurred_at)
        .join(Invitation, Invitation.engagement_id == Engagement.id)
        .where(Invitation.id.in_(ids), Engagement.team_id.is_not(None))
    ).all()
    _refresh_parts(session, [
        Part(team_id=row.team_id, week_start=clock.week_start(row.occurred_at),
             month_start=clock.month_start(row.occurred_at), salesperson_id=row.salesperson_id)
        for row in rows
    ])


def _refresh_parts(session: Session, parts: Iterable[Part]) -> None:
    parts = sorted(set(parts))
    if not parts:
        return
    session.flush()
    connection = session.connection()
    lock, recount = _lock_statement(connection.dialect.name), _recount_statement()
    # Always in key order, so two transactions refreshing overlapping parts cannot deadlock.
    for part in parts:
        key = {f"b_{name}": getattr(part, name) for name in _KEY}
        # The no-op update on conflict takes the row lock (waiting for any transaction
        # that holds it), so concurrent refreshes of one part run one after the other,
        # and each counts only after the one before it committed: the last count
        # standing is complete. (SQLite has a single writer: the insert already takes
        # the database's write lock.)
        connection.execute(lock, key)
        start, end = part.days()
        answers, sent = connection.execute(recount, {**key, "b_start": start, "b_end": end}).one()
        if answers == 0 and sent == 0:
            connection.execute(delete(ResponseRollup.__table__).where(*_where_part(part)))


def _where_part(part: Part) -> list:
    table = ResponseRollup.__table__
    return [table.c[name] == getattr(part, name) for name in _KEY]


@cache
def _lock_statement(dialect: str):
    """Make sure a part's row exists, and hold it until commit (parameters: b_ + the key)."""
    table = ResponseRollup.__table__
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        make_insert(table)
        .values(**{name: bindparam(f"b_{name}", type_=table.c[name].type) for name in _KEY},
                sent=0,
                **dict.fromkeys(_COUNTS, 0))
        .on_conflict_do_update(index_elements=list(_KEY), set_={"sent": table.c.sent})
    )


@cache
def _recount_statement():
    """One UPDATE that counts a part from scratch; returns (answers, sent).

    Parameters: the part's key, and `b_start` and `b_end`, its half-open range of
    conversation times. The answers are read in one pass (an aggregate in UPDATE ...
    FROM, which PostgreSQL and SQLite spell alike) over the salesperson's answers of
    that week (ix_responses_salesperson_part), and the conversations through
    ix_engagements_salesperson_occurred: the cost follows one person's week, not the
    team's. Built once: the statement is the same for every part.
    """
    table = ResponseRollup.__table__
    key = {name: bindparam(f"b_{name}", type_=table.c[name].type) for name in _KEY}
    sent = select(func.count(Invitation.id)).join(
        Engagement, Engagement.id == Invitation.engagement_id,
    ).where(
        Engagement.salesperson_id == key["salesperson_id"],
        Engagement.occurred_at >= bindparam("b_start", type_=Engagement.occurred_at.type),
        Engagement.occurred_at < bindparam("b_end", type_=Engagement.occurred_at.type),
        Engagement.team_id == key["team_id"],
        Invitation.first_sent_at.is_not(None),
    )
    # An aggregate without GROUP BY: exactly one row, zeros included. It carries the
    # salesperson's id only to state how it joins the part (no cartesian product).
    answered = select(key["salesperson_id"].label("salesperson_id"), *_answer_counts()).where(
        Response.salesperson_id == key["salesperson_id"],
        Response.week_start == key["week_start"],
        Response.team_id == key["team_id"],
        Response.month_start == key["month_start"],
        Response.released_at.is_not(None),
    ).subquery("answered")
    return (
        table.update()
        .where(*[table.c[name] == key[name] for name in _KEY],
               table.c.salesperson_id == answered.c.salesperson_id)
        .values(sent=sent.scalar_subquery(),
                **{name: answered.c[name] for name in _COUNTS})
        .returning(table.c.answers, table.c.sent)
    )


def _calendar(dialect: str, column):
    """(Monday of the week, first of the month) of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        return (func.date_trunc(literal_column("'week'"), utc).cast(Date),
                func.date_trunc(literal_column("'month'"), utc).cast(Date))
    # SQLite keeps UTC text; 'weekday 0' moves on to Sunday (or stays), -6 days is Monday.
    return func.date(column, "weekday 0", "-6 days"), func.date(column, "start of month")


def rebuild(session: Session, team_id: int | None = None) -> int:
    """Count every part again in one statement (for one team, or everyone); returns rows."""
    session.flush()
    dialect = session.get_bind().dialect.name
    clear = delete(ResponseRollup)
    answered_where = [Response.team_id.is_not(None), Response.released_at.is_not(None),
                      Response.month_start.is_not(None)]
    sent_where = [Engagement.team_id.is_not(None), Invitation.first_sent_at.is_not(None)]
    if team_id is not None:
        clear = clear.where(ResponseRollup.team_id == team_id)
        answered_where.append(Response.team_id == team_id)
        sent_where.append(Engagement.team_id == team_id)
    session.execute(clear)

    zeros = [literal(0).label(name) for name in _COUNTS]
    answered = (
        select(Response.team_id, Response.week_start, Response.month_start,
               Response.salesperson_id, literal(0).label("sent"), *_answer_counts())
        .where(*answered_where)
        .group_by(Response.team_id, Response.week_start, Response.month_start,
                  Response.salesperson_id)
    )
    week, month = _calendar(dialect, Engagement.occurred_at)
    sent_rows = (
        select(Engagement.team_id, week.label("week_start"), month.label("month_start"),
               Engagement.salesperson_id)
        .join(Invitation, Invitation.engagement_id == Engagement.id)
        .where(*sent_where)
        .subquery()
    )
    sent_keys = [sent_rows.c[name] for name in _KEY]
    sent = select(*sent_keys, func.count().label("sent"), *zeros).group_by(*sent_keys)
    both = union_all(answered, sent).subquery()
    keys = [both.c[name] for name in _KEY]
    totals = [func.sum(both.c[name]) for name in ("sent", *_COUNTS)]
    session.execute(
        ResponseRollup.__table__.insert().from_select([*_KEY, "sent", *_COUNTS],
                                                      select(*keys, *totals).group_by(*keys))
    )
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT ... SELECT here.
    counted = select(func.count(ResponseRollup.id))
    if team_id is not None:
        counted = counted.where(ResponseRollup.team_id == team_id)
    return int(session.execute(counted).scalar_one())
