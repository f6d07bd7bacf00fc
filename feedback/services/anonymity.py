"""Anonymous answers reach the salesperson in batches, so arrival time names nobody."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feedback.models import Response
from feedback.services import rollups

#: The smallest batch of anonymous answers released together.
RELEASE_BATCH = 3


def on_new_answer(session: Session, response: Response, now: datetime) -> None:
    """Release a named answer at once; release anonymous ones when a batch is complete."""
    if response.reveal_identity:
        response.released_at = now
        session.flush()
        return
    session.flush()
    pending = session.execute(
        select(func.count(Response.id)).where(
            Response.salesperson_id == response.salesperson_id,
            Response.released_at.is_(None),
        )
    ).scalar_one()
    if pending >= RELEASE_BATCH:
        released = session.execute(
            update(Response)
            .where(Response.salesperson_id == response.salesperson_id,
                   Response.released_at.is_(None))
            .values(released_at=now)
            .returning(Response.id)
            .execution_options(synchronize_session="fetch")
        ).scalars().all()
        rollups.refresh_for_responses(session, released)


def pending_count(session: Session, salesperson_id: int) -> int:
    """How many anonymous answers are waiting for batch-mates."""
    return session.execute(
        select(func.count(Response.id)).where(
            Response.salesperson_id == salesperson_id, Response.released_at.is_(None)
        )
    ).scalar_one()
