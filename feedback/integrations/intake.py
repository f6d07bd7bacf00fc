"""Conversations that arrive with an outside id (API, CSV): idempotent by external_id.

Every conversation is still logged by scheduling.log_engagement, which decides
whether the customer is asked; this module only adds "have we seen this id?".

Sending the same conversation twice is harmless: the first time creates it, later
times return it unchanged. Sending *different* facts under an id we already hold
is a conflict, never a silent overwrite. "The same" means the same salesperson,
customer address, moment and kind; the customer's name and company are not
compared (CRMs tidy them up, and they do not change who was asked what).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from feedback.core.addresses import normalise_email
from feedback.core.errors import DomainError, InvalidEngagement
from feedback.core.settings import Settings
from feedback.delivery import scheduling
from feedback.delivery.scheduling import ConversationInput
from feedback.models import Engagement, EngagementSource, Role, User


class ExternalIdConflict(DomainError):
    """An external_id we hold already names a different conversation."""

    code = "external_id_conflict"

    def __init__(self, fields: list[str]):
        super().__init__("This external_id already names a different conversation.")
        self.fields = fields


@dataclass(frozen=True)
class Recorded:
    engagement: Engagement
    created: bool


def find_salesperson(session: Session, *, email: str | None = None,
                     user_id: int | None = None) -> User:
    """The active salesperson named by email or id; InvalidEngagement naming the field."""
    if email is not None:
        user = session.execute(
            select(User).where(User.email == normalise_email(email))
        ).scalar_one_or_none()
        field = "salesperson_email"
    else:
        user = session.get(User, user_id) if user_id is not None else None
        field = "salesperson_id"
    if user is None or user.role is not Role.SALESPERSON or not user.active:
        raise InvalidEngagement("No active salesperson has this address or id.", field)
    return user


def facts_of(salesperson_id: int, conversation: ConversationInput) -> dict:
    """What makes two conversations under one external_id "the same"."""
    return {"salesperson": salesperson_id,
            "customer_email": normalise_email(conversation.customer_email),
            "occurred_at": conversation.occurred_at, "kind": conversation.kind}


def stored_facts(engagement: Engagement) -> dict:
    """facts_of for a stored engagement."""
    return {"salesperson": engagement.salesperson_id, "customer_email": engagement.customer.email,
            "occurred_at": engagement.occurred_at, "kind": engagement.kind}


def differences(stored: dict, incoming: dict) -> list[str]:
    """The fields in which two sets of facts differ (an instant equals itself in any offset)."""
    return [field for field in stored if stored[field] != incoming[field]]


def by_external_id(session: Session, external_id: str) -> Engagement | None:
    """The engagement carrying this outside id, with its customer and invitation."""
    return session.execute(
        select(Engagement).where(Engagement.external_id == external_id)
        .options(joinedload(Engagement.customer), joinedload(Engagement.invitation))
    ).scalar_one_or_none()


def record(session: Session, salesperson: User, conversation: ConversationInput,
           settings: Settings, *, source: EngagementSource,
           now: datetime | None = None) -> Recorded:
    """Create the engagement, or return the one already held under its external_id.

    Raises ExternalIdConflict for different facts under a held id, InvalidEngagement
    for a conversation the scheduler refuses. Works inside a savepoint, so a failure
    leaves the caller's transaction as it was (batch callers rely on that).
    """
    if not conversation.external_id:
        raise InvalidEngagement("An external_id is required.", "external_id")
    held = by_external_id(session, conversation.external_id)
    if held is None:
        try:
            with session.begin_nested():
                engagement = scheduling.log_engagement(session, salesperson, conversation,
                                                       settings, source=source, now=now)
            return Recorded(engagement, True)
        except IntegrityError:
            # Another request stored the same external_id a moment ago: compare with it.
            held = by_external_id(session, conversation.external_id)
            if held is None:
                raise
    changed = differences(stored_facts(held), facts_of(salesperson.id, conversation))
    if changed:
        raise ExternalIdConflict(changed)
    return Recorded(held, False)
