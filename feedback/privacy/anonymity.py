"""Anonymous answers reach the salesperson in batches, so arrival time names nobody."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from feedback.models import Response, User
from feedback.team import rollups

#: The smallest batch of anonymous answers released together.
RELEASE_BATCH = 3


def on_new_answer(session: Session, response: Response, now: datetime) -> None:
    """Release a named answer at once; release anonymous ones when a batch is complete."""
    if response.reveal_identity:
        response.released_at = now
        session.flush()
        return
    session.flush()
    salesperson_id = response.salesperson_id
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if pending_count(session, salesperson_id) < RELEASE_BATCH:
            # Read without a lock: a race can only make a batch wait for one more answer.
            return
        # Two answers for one salesperson completing a batch at once would otherwise
        # each release what the other left: one of them alone, which names its customer.
        connection.execute(_hold_salesperson(), {"b_salesperson_id": salesperson_id})
    # (SQLite has one writer: our insert already holds the database's write lock, so the
    # release below, which counts for itself, needs neither the count nor the lock first.)
    released = connection.execute(
        _release(), {"b_salesperson_id": salesperson_id, "b_now": now, "b_batch": RELEASE_BATCH}
    ).all()
    for row in released:
        held = session.identity_map.get(identity_key(Response, row.id))
        if held is not None:
            set_committed_value(held, "released_at", now)
    rollups.refresh_released(session, released)


def pending_count(session: Session, salesperson_id: int) -> int:
    """How many anonymous answers are waiting for batch-mates."""
    session.flush()
    return session.connection().execute(
        _pending(), {"b_salesperson_id": salesperson_id}).scalar_one()


@cache
def _pending():
    table = Response.__table__
    return select(func.count(table.c.id)).where(
        table.c.salesperson_id == bindparam("b_salesperson_id"), table.c.released_at.is_(None)
    )


@cache
def _hold_salesperson():
    # FOR NO KEY UPDATE: serialises releases for this salesperson without blocking
    # inserts that merely reference the user.
    users = User.__table__
    return (select(users.c.id).where(users.c.id == bindparam("b_salesperson_id"))
            .with_for_update(key_share=True))


@cache
def _release():
    """Release every waiting answer, if (counted afresh, under the lock) a batch is complete.

    Core statements here and below: the ORM's bulk paths cost more than the database.
    """
    table = Response.__table__
    waiting = table.alias("waiting")
    still_pending = select(func.count(waiting.c.id)).where(
        waiting.c.salesperson_id == bindparam("b_salesperson_id"), waiting.c.released_at.is_(None)
    ).scalar_subquery()
    return (
        table.update()
        .where(table.c.salesperson_id == bindparam("b_salesperson_id"),
               table.c.released_at.is_(None),
               still_pending >= bindparam("b_batch"))
        .values(released_at=bindparam("b_now"))
        .returning(table.c.id, table.c.team_id, table.c.week_start, table.c.month_start,
                   table.c.salesperson_id)
    )
