"""A customer's right to take their answer back ("delete my answer").

Erasing removes the answer and everything that hangs off it: the salesperson's
reflection, coaching notes, and its place in any share. The invitation stays, as the
record that a survey was sent, but says nothing more: it reads "expired" (sent, not
answered) and its link no longer opens the form. Team aggregates stop counting it.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from feedback.core import audit
from feedback.models import CoachingNote, Invitation, InvitationStatus, Reflection, share_answers
from feedback.survey import answers
from feedback.team import rollups


def has_answer(session: Session, invitation: Invitation) -> bool:
    """Whether there is an answer on this invitation to delete."""
    return answers.existing_answer(session, invitation) is not None


def delete_answer(session: Session, invitation: Invitation) -> bool:
    """Erase the answer on `invitation` and everything about it; False if there was none.

    Works however old the link is: deletion is a right, not a feature of open links.
    Dependents are deleted here, not left to ON DELETE CASCADE, so what an erasure
    erases is written down in one place (and holds on a database without cascades).
    """
    response = answers.existing_answer(session, invitation)
    if response is None:
        return False
    cell = {"salesperson_id": response.salesperson_id, "team_id": response.team_id,
            "week_start": response.week_start, "month_start": response.month_start}
    session.execute(delete(CoachingNote).where(CoachingNote.response_id == response.id))
    session.execute(delete(Reflection).where(Reflection.response_id == response.id))
    session.execute(share_answers.delete().where(share_answers.c.response_id == response.id))
    session.delete(response)
    session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(status=InvitationStatus.EXPIRED, answered_at=None, send_at=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.expire(invitation)
    rollups.refresh(session, **cell)  # the team cells stop counting it
    # No ids: which invitation was answered is itself about a person.
    audit.record(session, None, "customer.answer_deleted")
    session.flush()
    return True

