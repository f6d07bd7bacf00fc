"""From a logged conversation to a scheduled (or skipped, with a reason) invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
from feedback.services import clock
from feedback.services.addresses import domain_of, is_valid_email, normalise_email
from feedback.services.errors import InvalidEngagement
from feedback.services.settings import Settings

#: A conversation logged this far in the future is a typo, not a plan.
FUTURE_TOLERANCE = timedelta(minutes=10)

_SUPPRESSION_SKIP = {
    SuppressionReason.UNSUBSCRIBED: SkipReason.UNSUBSCRIBED,
    SuppressionReason.BOUNCED: SkipReason.BOUNCED,
    SuppressionReason.MANUAL: SkipReason.SUPPRESSED,
}

#: Invitations that count as "this customer was (or will be) asked".
_ASKED = (
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
    email = normalise_email(conversation.customer_email)
    if not is_valid_email(email):
        raise InvalidEngagement("That email address does not look right.", "customer_email")
    if conversation.occurred_at.tzinfo is None:
        raise InvalidEngagement("The time of the conversation needs a time zone.", "occurred_at")
    if conversation.occurred_at > now + FUTURE_TOLERANCE:
        raise InvalidEngagement("The conversation cannot be in the future.", "occurred_at")
    if salesperson.role is not Role.SALESPERSON or not salesperson.active:
        raise InvalidEngagement("Only an active salesperson can log a conversation.", "salesperson")

    customer = _upsert_customer(session, email, conversation)
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
    send_at = max(conversation.occurred_at + settings.send_delay, now)
    reason = _skip_reason(session, engagement, customer, settings, now, send_at)
    invitation = Invitation(engagement=engagement)
    if reason is None:
        invitation.status = InvitationStatus.SCHEDULED
        invitation.send_at = send_at
    else:
        invitation.status = InvitationStatus.SKIPPED
        invitation.skip_reason = reason
    session.add(invitation)
    session.flush()
    return engagement


def suppression_skip_reason(reason: SuppressionReason) -> SkipReason:
    """The skip reason an invitation records for a suppressed address."""
    return _SUPPRESSION_SKIP[reason]


def _upsert_customer(session: Session, email: str, conversation: ConversationInput) -> Customer:
    query = select(Customer).where(Customer.email == email)
    if session.get_bind().dialect.name == "postgresql":
        # Serialise concurrent conversations with one customer so the cooldown holds.
        query = query.with_for_update()
    customer = session.execute(query).scalar_one_or_none()
    name = conversation.customer_name.strip() or email.split("@")[0]
    if customer is None:
        customer = Customer(email=email, email_domain=domain_of(email), name=name,
                            company=conversation.company.strip())
        session.add(customer)
        session.flush()
    else:
        customer.name = name
        if conversation.company.strip():
            customer.company = conversation.company.strip()
    return customer


def _skip_reason(
    session: Session,
    engagement: Engagement,
    customer: Customer,
    settings: Settings,
    now: datetime,
    send_at: datetime,
) -> SkipReason | None:
    """The first rule that says "do not ask", in the order a person would explain it."""
    if engagement.occurred_at < now - settings.max_engagement_age:
        return SkipReason.TOO_OLD
    staff = session.execute(select(User.id).where(User.email == customer.email)).first()
    if staff is not None:
        return SkipReason.STAFF_ADDRESS
    if customer.email_domain in settings.internal_domains:
        return SkipReason.INTERNAL_DOMAIN
    suppression = session.execute(
        select(Suppression.reason).where(Suppression.email == customer.email)
    ).scalar_one_or_none()
    if suppression is not None:
        return suppression_skip_reason(suppression)
    if customer.id is not None and _is_duplicate(session, engagement, customer):
        return SkipReason.DUPLICATE
    if _asked_recently(session, Engagement.customer_id == customer.id, send_at, settings):
        return SkipReason.COOLDOWN
    if settings.company_cap > 0:
        asked = _count_asked(session, Customer.email_domain == customer.email_domain,
                             send_at, settings)
        if asked >= settings.company_cap:
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


def _asked_recently(session, where, send_at, settings) -> bool:
    return _count_asked(session, where, send_at, settings) > 0


def _count_asked(session, where, send_at, settings) -> int:
    """How many surveys matching `where` were sent, or are due, within the cooldown."""
    asked_at = func.coalesce(Invitation.first_sent_at, Invitation.send_at)
    query = (
        select(func.count(Invitation.id))
        .join(Engagement, Engagement.id == Invitation.engagement_id)
        .join(Customer, Customer.id == Engagement.customer_id)
        .where(where, Invitation.status.in_(_ASKED),
               asked_at > send_at - settings.cooldown)
    )
    return int(session.execute(query).scalar_one())
