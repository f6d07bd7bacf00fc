"""scheduling.log_engagement for many conversations at once: the same rules, read in bulk.

Every rule is scheduling's own: which conversations may be logged
(`checked_email`), which are skipped and why, in which order (`_skip_reason`),
how a customer row is made or refreshed. This module only answers the rules'
questions (`scheduling.Facts`) from a handful of queries per batch instead of
several per conversation, and remembers what earlier items of the batch did, so
each item sees the ones before it exactly as if they had been logged one by one
(tests/imports/test_batch_logging.py holds it to that). The rows are then written
with one multi-row INSERT per table, so a batch of 1,000 costs a handful of
statements instead of several thousand ORM operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.core.addresses import domain_of
from feedback.core.errors import InvalidEngagement
from feedback.core.settings import Settings
from feedback.delivery import scheduling
from feedback.delivery.scheduling import ConversationInput
from feedback.models import (
    Customer,
    Engagement,
    EngagementSource,
    Invitation,
    InvitationStatus,
    SkipReason,
    Suppression,
    SuppressionReason,
    User,
)

_ASKED_AT = func.coalesce(Invitation.first_sent_at, Invitation.send_at)
# Written as tables, not through the ORM: a batch is rows, not objects to track.
_CUSTOMERS = Customer.__table__
_ENGAGEMENTS = Engagement.__table__
_INVITATIONS = Invitation.__table__


@dataclass(frozen=True)
class Logged:
    """One conversation the batch stored, and what became of its survey."""

    engagement_id: int
    status: InvitationStatus
    skip_reason: SkipReason | None


@dataclass
class _Customer:
    """The columns of a customer row that the rules read or refresh."""

    id: int | None
    email: str
    email_domain: str
    name: str
    company: str
    #: (name, company) as stored, for a customer that exists already.
    original: tuple[str, str] | None = None


@dataclass(frozen=True)
class _Visit:
    """The parts of an engagement the skip rules read."""

    occurred_at: datetime
    salesperson: User


def log_engagements(
    session: Session,
    items: Sequence[tuple[User, ConversationInput]],
    settings: Settings,
    *,
    source: EngagementSource,
    now: datetime | None = None,
) -> list[Logged | InvalidEngagement]:
    """Log each (salesperson, conversation) in order, as log_engagement would.

    Returns, per item, what was stored or the InvalidEngagement that refused it;
    refused items change nothing. Writes with Core statements (the ORM session does
    not see the new rows until it queries them); the caller owns the transaction
    and should hold a savepoint if it may want to undo the batch.
    """
    now = now or clock.now()
    results: list[Logged | InvalidEngagement | None] = [None] * len(items)
    accepted = []
    for index, (salesperson, conversation) in enumerate(items):
        try:
            email = scheduling.checked_email(salesperson, conversation, now)
        except InvalidEngagement as error:
            results[index] = error
            continue
        accepted.append((index, salesperson, conversation, email))
    if not accepted:
        return results  # type: ignore[return-value]
    facts = _BatchFacts(session, settings, now,
                        [(email, conversation) for _, _, conversation, email in accepted])
    planned = []
    for index, salesperson, conversation, email in accepted:
        customer = facts.customer_for(email, conversation)
        visit = _Visit(conversation.occurred_at, salesperson)
        plan = scheduling.plan_invitation(facts, visit, customer, settings, now)  # type: ignore[arg-type]
        facts.remember(visit, customer, plan)
        planned.append((index, salesperson, conversation, customer, plan))
    _write(session, facts, planned, source, results)
    return results  # type: ignore[return-value]


def _write(session: Session, facts: _BatchFacts, planned: list, source: EngagementSource,
           results: list) -> None:
    new = [c for c in facts.customers.values() if c.id is None]
    if new:
        ids = session.execute(
            insert(_CUSTOMERS).returning(_CUSTOMERS.c.id, sort_by_parameter_order=True),
            [{"email": c.email, "email_domain": c.email_domain, "name": c.name,
              "company": c.company} for c in new]).scalars().all()
        for customer, customer_id in zip(new, ids, strict=True):
            customer.id = customer_id
    changed = [c for c in facts.customers.values()
               if c.original is not None and (c.name, c.company) != c.original]
    if changed:
        session.execute(
            update(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("customer_id"))
            .values(name=bindparam("new_name"), company=bindparam("new_company")),
            [{"customer_id": c.id, "new_name": c.name, "new_company": c.company}
             for c in changed])
    engagement_ids = session.execute(
        insert(_ENGAGEMENTS).returning(_ENGAGEMENTS.c.id, sort_by_parameter_order=True),
        [{"salesperson_id": salesperson.id, "team_id": salesperson.team_id,
          "customer_id": customer.id, "occurred_at": conversation.occurred_at,
          "kind": conversation.kind, "source": source, "external_id": conversation.external_id}
         for _, salesperson, conversation, customer, _ in planned]).scalars().all()
    session.execute(insert(_INVITATIONS), [
        {"engagement_id": engagement_id, "status": plan.status, "skip_reason": plan.skip_reason,
         "send_at": plan.send_at}
        for engagement_id, (*_, plan) in zip(engagement_ids, planned, strict=True)])
    for engagement_id, (index, *_, plan) in zip(engagement_ids, planned, strict=True):
        results[index] = Logged(engagement_id, plan.status, plan.skip_reason)


class _BatchFacts:
    """scheduling.Facts for a batch: read once up front, kept current as items are added."""

    def __init__(self, session: Session, settings: Settings, now: datetime,
                 conversations: list[tuple[str, ConversationInput]]):
        self.session, self.settings = session, settings
        emails = sorted({email for email, _ in conversations})
        table = _CUSTOMERS
        query = select(table.c.id, table.c.email, table.c.email_domain, table.c.name,
                       table.c.company).where(table.c.email.in_(emails))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # as log_engagement does, per customer
        self.customers: dict[str, _Customer] = {
            row.email: _Customer(row.id, row.email, row.email_domain, row.name, row.company,
                                 original=(row.name, row.company))
            for row in session.execute(query)}
        self.staff = set(session.execute(
            select(User.email).where(User.email.in_(emails))).scalars())
        self.suppressed: dict[str, SuppressionReason] = dict(session.execute(
            select(Suppression.email, Suppression.reason).where(Suppression.email.in_(emails))
        ).all())
        # Anything asked before the earliest send_at minus the cooldown cannot matter.
        earliest_send = min(max(c.occurred_at + settings.send_delay, now)
                            for _, c in conversations)
        horizon = earliest_send - settings.cooldown
        days = [_day(c.occurred_at) for _, c in conversations]
        by_id = {c.id: email for email, c in self.customers.items()}
        #: customer email -> when each survey that counts as "asked" was (or is) due.
        self.asked_at: dict[str, list[datetime]] = defaultdict(list)
        #: (customer email, salesperson id) -> when their conversations happened.
        self.met_at: dict[tuple[str, int], list[datetime]] = defaultdict(list)
        #: email domain -> when each survey to that domain was (or is) due.
        self.domain_asked_at: dict[str, list[datetime]] = defaultdict(list)
        if by_id:
            for customer_id, asked_at in session.execute(
                select(Engagement.customer_id, _ASKED_AT)
                .join(Invitation, Invitation.engagement_id == Engagement.id)
                .where(Engagement.customer_id.in_(by_id), Invitation.status.in_(scheduling.ASKED),
                       _ASKED_AT > horizon)
            ):
                self.asked_at[by_id[customer_id]].append(_aware(asked_at))
            for customer_id, salesperson_id, occurred_at in session.execute(
                select(Engagement.customer_id, Engagement.salesperson_id, Engagement.occurred_at)
                .join(Invitation, Invitation.engagement_id == Engagement.id)
                .where(Engagement.customer_id.in_(by_id), Engagement.occurred_at >= min(days),
                       Engagement.occurred_at < max(days) + timedelta(days=1))
            ):
                self.met_at[(by_id[customer_id], salesperson_id)].append(_aware(occurred_at))
        if settings.company_cap > 0:
            domains = sorted({domain_of(email) for email in emails})
            for domain, asked_at in session.execute(
                select(Customer.email_domain, _ASKED_AT)
                .join(Engagement, Engagement.customer_id == Customer.id)
                .join(Invitation, Invitation.engagement_id == Engagement.id)
                .where(Customer.email_domain.in_(domains),
                       Invitation.status.in_(scheduling.ASKED), _ASKED_AT > horizon)
            ):
                self.domain_asked_at[domain].append(_aware(asked_at))

    def customer_for(self, email: str, conversation: ConversationInput) -> _Customer:
        """The customer row for this address, made or refreshed as log_engagement would."""
        customer = self.customers.get(email)
        if customer is None:
            customer = _Customer(id=None, **scheduling.customer_values(email, conversation))
            self.customers[email] = customer
        else:
            scheduling.refresh_customer(customer, conversation)  # type: ignore[arg-type]
        return customer

    def remember(self, visit: _Visit, customer: _Customer,
                 plan: scheduling.InvitationPlan) -> None:
        """Let later items of the batch see this one."""
        self.met_at[(customer.email, visit.salesperson.id)].append(visit.occurred_at)
        if plan.status is InvitationStatus.SCHEDULED:
            self.asked_at[customer.email].append(plan.send_at)
            self.domain_asked_at[customer.email_domain].append(plan.send_at)

    # scheduling.Facts

    def is_staff(self, email: str) -> bool:
        return email in self.staff

    def suppression(self, email: str) -> SuppressionReason | None:
        return self.suppressed.get(email)

    def is_duplicate(self, engagement: _Visit, customer: _Customer) -> bool:
        start = _day(engagement.occurred_at)
        met = self.met_at.get((customer.email, engagement.salesperson.id), ())
        return any(start <= moment < start + timedelta(days=1) for moment in met)

    def asked(self, customer: _Customer, send_at: datetime) -> int:
        since = send_at - self.settings.cooldown
        return sum(1 for moment in self.asked_at.get(customer.email, ()) if moment > since)

    def asked_in_domain(self, domain: str, send_at: datetime) -> int:
        since = send_at - self.settings.cooldown
        return sum(1 for moment in self.domain_asked_at.get(domain, ()) if moment > since)


def _day(moment: datetime) -> datetime:
    # The same calendar day scheduling._is_duplicate uses: in the conversation's own offset.
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _aware(moment: datetime) -> datetime:
    # In case a column expression comes back without the UTC type's conversion.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
