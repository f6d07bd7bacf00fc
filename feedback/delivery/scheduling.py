"""From a logged conversation to a scheduled (or skipped, with a reason) invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.core.addresses import domain_of, is_valid_email, normalise_email
from feedback.core.errors import InvalidEngagement
from feedback.core.settings import Settings
from feedback.models import (
    Customer,
    Engagement,
    EngagementKind,
    EngagementSource,
    Invitation,
    InvitationStatus,
    Role,
    SkipReason,
    Suppression,
    SuppressionReason,
    User,
)

#: A conversation logged this far in the future is a typo, not a plan.
FUTURE_TOLERANCE = timedelta(minutes=10)

_SUPPRESSION_SKIP = {
    SuppressionReason.UNSUBSCRIBED: SkipReason.UNSUBSCRIBED,
    SuppressionReason.BOUNCED: SkipReason.BOUNCED,
    SuppressionReason.MANUAL: SkipReason.SUPPRESSED,
}

#: Invitations that count as "this customer was (or will be) asked".
ASKED = (
    InvitationStatus.SCHEDULED,
    InvitationStatus.SENDING,
    InvitationStatus.SENT,
    InvitationStatus.ANSWERED,
    InvitationStatus.EXPIRED,
)


@dataclass(frozen=True)
class ConversationInput:
    """What a person, the API or a CSV row says about one conversation."""

    customer_email: str
    customer_name: str
    occurred_at: datetime
    kind: EngagementKind
    company: str = ""
    external_id: str | None = None


def log_engagement(
    session: Session,
    salesperson: User,
    conversation: ConversationInput,
    settings: Settings,
    *,
    source: EngagementSource = EngagementSource.UI,
    now: datetime | None = None,
) -> Engagement:
    """Record a conversation and its invitation in the caller's transaction."""
    now = now or clock.now()
    email = checked_email(salesperson, conversation, now)
    customer = _upsert_customer(session, email, conversation)
    engagement = add_engagement(session, salesperson, customer, conversation, settings,
                                source=source, now=now, facts=_QueryFacts(session, settings))
    session.flush()
    return engagement


def checked_email(salesperson: User, conversation: ConversationInput, now: datetime) -> str:
    """The customer's normalised address, once the conversation may be logged at all."""
    email = normalise_email(conversation.customer_email)
    if not is_valid_email(email):
        raise InvalidEngagement("That email address does not look right.", "customer_email")
    if conversation.occurred_at.tzinfo is None:
        raise InvalidEngagement("The time of the conversation needs a time zone.", "occurred_at")
    if conversation.occurred_at > now + FUTURE_TOLERANCE:
        raise InvalidEngagement("The conversation cannot be in the future.", "occurred_at")
    if salesperson.role is not Role.SALESPERSON or not salesperson.active:
        raise InvalidEngagement("Only an active salesperson can log a conversation.", "salesperson")
    return email


def add_engagement(session: Session, salesperson: User, customer: Customer,
                   conversation: ConversationInput, settings: Settings, *,
                   source: EngagementSource, now: datetime, facts: Facts) -> Engagement:
    """Add the engagement and its scheduled (or skipped) invitation; the caller flushes.

    `facts` answers the questions the skip rules ask of the database (scheduling_batch
    answers them for a whole batch at once).
    """
    engagement = Engagement(
        salesperson=salesperson,
        team_id=salesperson.team_id,
        customer=customer,
        occurred_at=conversation.occurred_at,
        kind=conversation.kind,
        source=source,
        external_id=conversation.external_id,
    )
    session.add(engagement)
    plan = plan_invitation(facts, engagement, customer, settings, now)
    session.add(Invitation(engagement=engagement, status=plan.status,
                           skip_reason=plan.skip_reason, send_at=plan.send_at))
    return engagement


@dataclass(frozen=True)
class InvitationPlan:
    status: InvitationStatus
    skip_reason: SkipReason | None
    send_at: datetime | None


def plan_invitation(facts: Facts, engagement: Engagement, customer: Customer,
                    settings: Settings, now: datetime) -> InvitationPlan:
    """Scheduled for when, or skipped and why, for a conversation about to be logged.

    Reads `engagement.occurred_at` and `.salesperson`, and the customer's email,
    domain and id: scheduling_batch passes light stand-ins with just those.
    """
    send_at = max(engagement.occurred_at + settings.send_delay, now)
    reason = _skip_reason(facts, engagement, customer, settings, now, send_at)
    if reason is None:
        return InvitationPlan(InvitationStatus.SCHEDULED, None, send_at)
    return InvitationPlan(InvitationStatus.SKIPPED, reason, None)


def suppression_skip_reason(reason: SuppressionReason) -> SkipReason:
    """The skip reason an invitation records for a suppressed address."""
    return _SUPPRESSION_SKIP[reason]


def _upsert_customer(session: Session, email: str, conversation: ConversationInput) -> Customer:
    query = select(Customer).where(Customer.email == email)
    if session.get_bind().dialect.name == "postgresql":
        # Serialise concurrent conversations with one customer so the cooldown holds.
        query = query.with_for_update()
    customer = session.execute(query).scalar_one_or_none()
    if customer is None:
        customer = new_customer(email, conversation)
        session.add(customer)
        session.flush()
    else:
        refresh_customer(customer, conversation)
    return customer


def new_customer(email: str, conversation: ConversationInput) -> Customer:
    """A customer row for an address seen for the first time (not yet added)."""
    return Customer(**customer_values(email, conversation))


def customer_values(email: str, conversation: ConversationInput) -> dict[str, str]:
    """The columns of a new customer row."""
    return {"email": email, "email_domain": domain_of(email),
            "name": conversation.customer_name.strip() or email.split("@")[0],
            "company": conversation.company.strip()}


def refresh_customer(customer: Customer, conversation: ConversationInput) -> None:
    """The latest conversation's name (and company, if given) for a known customer."""
    customer.name = conversation.customer_name.strip() or customer.email.split("@")[0]
    if conversation.company.strip():
        customer.company = conversation.company.strip()


class Facts(Protocol):
    """What the skip rules need to know beyond the conversation itself."""

    def is_staff(self, email: str) -> bool: ...

    def suppression(self, email: str) -> SuppressionReason | None: ...

    def is_duplicate(self, engagement: Engagement, customer: Customer) -> bool: ...

    def asked(self, customer: Customer, send_at: datetime) -> int: ...

    def asked_in_domain(self, domain: str, send_at: datetime) -> int: ...


class _QueryFacts:
    """Facts for one conversation, each read from the database when asked."""

    def __init__(self, session: Session, settings: Settings):
        self.session, self.settings = session, settings

    def is_staff(self, email: str) -> bool:
        return self.session.execute(select(User.id).where(User.email == email)).first() is not None

    def suppression(self, email: str) -> SuppressionReason | None:
        return self.session.execute(
            select(Suppression.reason).where(Suppression.email == email)
        ).scalar_one_or_none()

    def is_duplicate(self, engagement: Engagement, customer: Customer) -> bool:
        return customer.id is not None and _is_duplicate(self.session, engagement, customer)

    def asked(self, customer: Customer, send_at: datetime) -> int:
        return _count_asked(self.session, Engagement.customer_id == customer.id, send_at,
                            self.settings)

    def asked_in_domain(self, domain: str, send_at: datetime) -> int:
        return _count_asked(self.session, Customer.email_domain == domain, send_at,
                            self.settings)


def _skip_reason(
    facts: Facts,
    engagement: Engagement,
    customer: Customer,
    settings: Settings,
    now: datetime,
    send_at: datetime,
) -> SkipReason | None:
    """The first rule that says "do not ask", in the order a person would explain it."""
    if engagement.occurred_at < now - settings.max_engagement_age:
        return SkipReason.TOO_OLD
    if facts.is_staff(customer.email):
        return SkipReason.STAFF_ADDRESS
    if customer.email_domain in settings.internal_domains:
        return SkipReason.INTERNAL_DOMAIN
    suppression = facts.suppression(customer.email)
    if suppression is not None:
        return suppression_skip_reason(suppression)
    if facts.is_duplicate(engagement, customer):
        return SkipReason.DUPLICATE
    if facts.asked(customer, send_at) > 0:
        return SkipReason.COOLDOWN
    if settings.company_cap > 0:
        if facts.asked_in_domain(customer.email_domain, send_at) >= settings.company_cap:
            return SkipReason.COMPANY_CAP
    return None


def _is_duplicate(session: Session, engagement: Engagement, customer: Customer) -> bool:
    """The same salesperson already logged this customer on the same day."""
    day_start = engagement.occurred_at.replace(hour=0, minute=0, second=0, microsecond=0)
    found = session.execute(
        select(Engagement.id)
        .join(Invitation, Invitation.engagement_id == Engagement.id)
        .where(
            Engagement.customer_id == customer.id,
            Engagement.salesperson_id == engagement.salesperson.id,
            Engagement.occurred_at >= day_start,
            Engagement.occurred_at < day_start + timedelta(days=1),
        )
        .limit(1)
    ).first()
    return found is not None


def _count_asked(session, where, send_at, settings) -> int:
    """How many surveys matching `where` were sent, or are due, within the cooldown."""
    asked_at = func.coalesce(Invitation.first_sent_at, Invitation.send_at)
    query = (
        select(func.count(Invitation.id))
        .join(Engagement, Engagement.id == Invitation.engagement_id)
        .join(Customer, Customer.id == Engagement.customer_id)
        .where(where, Invitation.status.in_(ASKED),
               asked_at > send_at - settings.cooldown)
    )
    return int(session.execute(query).scalar_one())
