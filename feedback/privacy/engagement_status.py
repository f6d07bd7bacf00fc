"""What the API tells a CRM about an engagement's survey, without naming who answered.

The rule is the one the salesperson's conversation list follows (feedback.privacy.outcomes):
a survey that went out reads "sent" whether it was answered, ignored or expired,
unless the customer chose to be named. Reporting "answered" per engagement would
let anyone with CRM access see which customer sent an anonymous answer, and the
CRM record usually sits right next to the salesperson it is about.

Failure reasons are categories, never the mail server's words (those can quote
the customer's address).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Invitation, InvitationStatus, Response


class SurveyState(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    FAILED = "failed"


class FailureReason(enum.StrEnum):
    #: The receiving server refused the address for good (5xx).
    REJECTED = "rejected_by_mail_server"
    #: Temporary failures went on past the retry horizon.
    GAVE_UP = "retries_exhausted"


@dataclass(frozen=True)
class SurveyStatus:
    state: SurveyState
    #: A SkipReason or FailureReason value, for skipped and failed surveys only.
    reason: str | None = None


def status_of(invitation: Invitation | None, *, answer_is_named: bool) -> SurveyStatus:
    """The outside view of one invitation (see the module docstring for the rule)."""
    if invitation is None:  # not expected: every engagement gets one
        return SurveyStatus(SurveyState.SKIPPED, None)
    status = invitation.status
    if status is InvitationStatus.SKIPPED:
        return SurveyStatus(SurveyState.SKIPPED, invitation.skip_reason.value)
    if status is InvitationStatus.FAILED:
        permanent = (invitation.last_error or "")[:1] == "5"
        return SurveyStatus(SurveyState.FAILED,
                            (FailureReason.REJECTED if permanent else FailureReason.GAVE_UP).value)
    if status is InvitationStatus.SCHEDULED or (
            status is InvitationStatus.SENDING and invitation.first_sent_at is None):
        return SurveyStatus(SurveyState.SCHEDULED)
    if status is InvitationStatus.ANSWERED and answer_is_named:
        return SurveyStatus(SurveyState.ANSWERED)
    return SurveyStatus(SurveyState.SENT)


def named_answers(session: Session, invitation_ids: Iterable[int]) -> set[int]:
    """Of these invitations, those answered by a customer who chose to be named.

    Reads one flag of a response and nothing else; kept next to the rule that needs it.
    """
    ids = [i for i in invitation_ids if i is not None]
    if not ids:
        return set()
    return set(session.execute(
        select(Response.invitation_id).where(Response.invitation_id.in_(ids),
                                             Response.reveal_identity.is_(True))
    ).scalars())
