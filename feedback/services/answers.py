"""Recording a customer's answer: one row per invitation, editable for a short window."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import Invitation, InvitationStatus, Pressure, Response
from feedback.services import anonymity, clock, rollups
from feedback.services.errors import AnswerLocked, InvitationClosed
from feedback.services.settings import Settings

#: Statuses whose link accepts an answer (SENDING: a reminder is on its way).
_OPEN = (InvitationStatus.SENT, InvitationStatus.SENDING, InvitationStatus.ANSWERED)


@dataclass(frozen=True)
class Answers:
    """What the customer chose on the form, already validated."""

    respected: int
    helped: int
    pressure: Pressure
    doubtful_promise: bool
    promise_note: str = ""
    improve_comment: str = ""
    product_comment: str = ""
    product_contact_ok: bool = False
    reveal_identity: bool = False


def ensure_open(invitation: Invitation | None, now: datetime | None = None) -> Invitation:
    """The invitation if its link may be shown; InvitationClosed otherwise."""
    now = now or clock.now()
    if (
        invitation is None
        or invitation.status not in _OPEN
        or invitation.first_sent_at is None
        or invitation.expires_at is None
        or invitation.expires_at <= now
    ):
        raise InvitationClosed()
    return invitation


def existing_answer(session: Session, invitation: Invitation) -> Response | None:
    """The answer already given on this invitation, if any."""
    return session.execute(
        select(Response).where(Response.invitation_id == invitation.id)
    ).scalar_one_or_none()


def can_edit(response: Response, settings: Settings, now: datetime | None = None) -> bool:
    """Whether the customer may still change this answer."""
    return (now or clock.now()) < response.submitted_at + settings.edit_window


_UNKNOWN = object()


def record(session: Session, invitation: Invitation, answers: Answers, settings: Settings,
           now: datetime | None = None, *, existing=_UNKNOWN) -> Response:
    """Store the answer, or update it inside the edit window; never a second row.

    `existing` lets a caller that already loaded the current answer (or knows there
    is none) save a query.
    """
    now = now or clock.now()
    ensure_open(invitation, now)
    response = existing_answer(session, invitation) if existing is _UNKNOWN else existing
    if response is not None:
        if not can_edit(response, settings, now):
            raise AnswerLocked()
        _apply(response, answers)
        response.updated_at = now
        session.flush()
        rollups.refresh_for_response(session, response)
        return response
    engagement = invitation.engagement
    response = Response(
        invitation_id=invitation.id,
        salesperson_id=engagement.salesperson_id,
        team_id=engagement.team_id,
        week_start=clock.week_start(engagement.occurred_at),
        month_start=clock.month_start(engagement.occurred_at),
        submitted_at=now,
        updated_at=now,
    )
    _apply(response, answers)
    stored = _insert_with_random_id(session, response, invitation)
    if stored is not response:
        # A simultaneous first submit won the race: this one becomes its edit.
        response = stored
        _apply(response, answers)
        response.updated_at = now
        session.flush()
    anonymity.on_new_answer(session, response, now)
    rollups.refresh_for_response(session, response)
    session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(status=InvitationStatus.ANSWERED, answered_at=now, send_at=None)
        .execution_options(synchronize_session=False)
    )
    return response


#: Answer ids are drawn at random, not from a sequence: ids that grow with arrival
#: would show a salesperson the order in which an anonymous batch came in.
_ID_SPACE = 2**31 - 1


def _insert_with_random_id(session: Session, response: Response,
                           invitation: Invitation) -> Response:
    """Insert a first answer; return it, or the answer a concurrent submit stored first."""
    for _ in range(8):
        response.id = secrets.randbelow(_ID_SPACE - 1) + 1
        try:
            with session.begin_nested():
                session.add(response)
                session.flush()
        except IntegrityError:
            winner = existing_answer(session, invitation)
            if winner is not None:
                return winner
            continue  # the random id was taken: draw again
        return response
    raise RuntimeError("could not draw a free answer id")  # 8 collisions in 2**31: a bug


def _apply(response: Response, answers: Answers) -> None:
    response.respected = answers.respected
    response.helped = answers.helped
    response.pressure = answers.pressure
    response.doubtful_promise = answers.doubtful_promise
    response.promise_note = answers.promise_note if answers.doubtful_promise else ""
    response.improve_comment = answers.improve_comment
    response.product_comment = answers.product_comment
    response.product_contact_ok = answers.product_contact_ok and bool(answers.product_comment)
    response.reveal_identity = answers.reveal_identity
