"""Recording a customer's answer: one row per invitation, editable for a short window."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import flag_modified

from feedback.core import clock
from feedback.core.errors import AnswerLocked, InvitationClosed
from feedback.core.settings import Settings
from feedback.models import Invitation, InvitationStatus, Pressure, Response
from feedback.privacy import anonymity
from feedback.team import rollups

if TYPE_CHECKING:
    from feedback.survey.tokens import SurveyLink

#: What a link stands for: the ORM row, or the survey page's lighter reading of it.
_Link = TypeVar("_Link", "Invitation", "SurveyLink")

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


def ensure_open(invitation: _Link | None, now: datetime | None = None) -> _Link:
    """The invitation (or survey link) if its link may be shown; InvitationClosed otherwise."""
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


def existing_answer(session: Session, invitation: Invitation | SurveyLink) -> Response | None:
    """The answer already given on this invitation, if any."""
    return session.execute(
        select(Response).where(Response.invitation_id == invitation.id)
    ).scalar_one_or_none()


def can_edit(response: Response, settings: Settings, now: datetime | None = None) -> bool:
    """Whether the customer may still change this answer."""
    return (now or clock.now()) < response.submitted_at + settings.edit_window


_UNKNOWN = object()


def record(session: Session, invitation: Invitation | SurveyLink, answers: Answers,
           settings: Settings,
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
        return _edit(session, response, answers, now)
    engagement = invitation.engagement
    response = _insert_first(session, invitation, {
        "invitation_id": invitation.id,
        "salesperson_id": engagement.salesperson_id,
        "team_id": engagement.team_id,
        "week_start": clock.week_start(engagement.occurred_at),
        "month_start": clock.month_start(engagement.occurred_at),
        "submitted_at": now,
        "updated_at": now,
        # A named answer is the salesperson's at once; anonymous ones wait for a batch.
        "released_at": now if answers.reveal_identity else None,
        **_columns(answers),
    })
    if response is None:
        # A simultaneous first submit won the race: this one becomes its edit.
        return _edit(session, existing_answer(session, invitation), answers, now)
    if response.released_at is None:
        anonymity.on_new_answer(session, response, now)
    else:
        rollups.refresh_for_response(session, response)
    session.flush()
    session.connection().execute(_mark_answered(),
                                 {"b_invitation_id": invitation.id, "b_now": now})
    return response


def _edit(session: Session, response: Response, answers: Answers, now: datetime) -> Response:
    """Store the new submission whole over the old one.

    Every answer column is written, not only those that differ from the answer as this
    request loaded it: two overlapping edits then leave one submission, never a mix.
    """
    for name, value in _columns(answers).items():
        setattr(response, name, value)
        flag_modified(response, name)
    response.updated_at = now
    session.flush()
    rollups.refresh_for_response(session, response)
    return response


@cache
def _mark_answered():
    table = Invitation.__table__
    return (
        table.update()
        .where(table.c.id == bindparam("b_invitation_id"))
        .values(status=InvitationStatus.ANSWERED, answered_at=bindparam("b_now"), send_at=None)
    )


#: Answer ids are drawn at random, not from a sequence: ids that grow with arrival
#: would show a salesperson the order in which an anonymous batch came in.
_ID_SPACE = 2**31 - 1


def _insert_first(session: Session, invitation: Invitation | SurveyLink,
                  values: dict) -> Response | None:
    """Insert a first answer; None if the invitation has one already (a concurrent submit).

    One statement, no savepoint: ON CONFLICT DO NOTHING covers both a taken random
    id and an answer another request stored first (PostgreSQL waits for that request
    to finish before deciding). The row goes in through Core, and the object joins the
    session as if loaded: the ORM's own INSERT path costs more than the database does.
    """
    session.flush()  # anything the caller added first (Core does not autoflush)
    connection = session.connection()
    statement = _insert_statement(connection.dialect.name)
    for _ in range(8):
        values["id"] = secrets.randbelow(_ID_SPACE - 1) + 1
        inserted = connection.execute(
            statement, {f"b_{name}": value for name, value in values.items()}
        ).scalar_one_or_none()
        if inserted is not None:
            response = Response(**values)
            make_transient_to_detached(response)
            session.add(response)
            return response
        if existing_answer(session, invitation) is not None:
            return None
        # Otherwise the random id was taken: draw again.
    raise RuntimeError("could not draw a free answer id")  # 8 collisions in 2**31: a bug


@cache
def _insert_statement(dialect: str):
    table = Response.__table__
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    columns = ("id", "invitation_id", "salesperson_id", "team_id", "week_start", "month_start",
               "submitted_at", "updated_at", "released_at", *Answers.__dataclass_fields__)
    return (
        make_insert(table)
        .values({name: bindparam(f"b_{name}", type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )


def _columns(answers: Answers) -> dict:
    """The stored columns for the customer's choices (a note only with a doubt, and so on)."""
    return {
        "respected": answers.respected,
        "helped": answers.helped,
        "pressure": answers.pressure,
        "doubtful_promise": answers.doubtful_promise,
        "promise_note": answers.promise_note if answers.doubtful_promise else "",
        "improve_comment": answers.improve_comment,
        "product_comment": answers.product_comment,
        "product_contact_ok": answers.product_contact_ok and bool(answers.product_comment),
        "reveal_identity": answers.reveal_identity,
    }
