"""How delivery is going, for admins: counts by outcome and the worker's health.

Counts only, over the whole organisation: never per salesperson, never an answer,
and never an address (SMTP errors are reduced to their reply codes, which name nobody).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.core import clock
from feedback.models import Invitation, InvitationStatus, SkipReason
from feedback.privacy.outcomes import SKIP_WORDS

#: The periods an admin can pick, in days.
PERIODS = (7, 30, 90, 365)
_SMTP_REPLY = re.compile(r"^([2-5]\d\d)(?:[ -]([2-5]\.\d{1,3}\.\d{1,3}))?")
_RELAY = re.compile(r"^relay: ([A-Za-z_]\w*)")


@dataclass(frozen=True)
class DeliveryReport:
    """Outcomes of the invitations created in [start, end)."""

    start: datetime
    end: datetime
    total: int
    by_status: list[tuple[InvitationStatus, int]]
    #: (reason, words, count), most frequent first.
    skipped: list[tuple[SkipReason, str, int]]
    #: (kind of failure, count): an SMTP reply code, "relay: <error>", or "other".
    failures: list[tuple[str, int]]


@dataclass(frozen=True)
class WorkerHealth:
    """Is the sender keeping up? Due work, its age, and leases held by workers."""

    due_now: int
    oldest_due_at: datetime | None
    oldest_due_for: timedelta | None
    retrying: int
    leased: int
    #: Leases past their end: a worker died holding them (another will retake them).
    leases_expired: int


def failure_kind(last_error: str | None) -> str:
    """A failure as a category that never quotes the reply text (which can hold an address)."""
    if not last_error:
        return "unknown"
    relay = _RELAY.match(last_error)
    if relay:
        return f"relay: {relay.group(1)}"
    reply = _SMTP_REPLY.match(last_error)
    if reply:
        return " ".join(part for part in reply.groups() if part)
    return "other"


def report(session: Session, *, days: int, now: datetime | None = None) -> DeliveryReport:
    """Invitation outcomes for conversations logged in the last `days` days."""
    now = now or clock.now()
    start = now - timedelta(days=days)
    in_period = (Invitation.created_at >= start, Invitation.created_at < now)
    statuses = dict(session.execute(
        select(Invitation.status, func.count(Invitation.id)).where(*in_period)
        .group_by(Invitation.status)
    ).all())
    skipped = session.execute(
        select(Invitation.skip_reason, func.count(Invitation.id))
        .where(*in_period, Invitation.status == InvitationStatus.SKIPPED)
        .group_by(Invitation.skip_reason)
    ).all()
    failures = Counter(failure_kind(error) for error in session.execute(
        select(Invitation.last_error)
        .where(*in_period, Invitation.status == InvitationStatus.FAILED)
    ).scalars())
    return DeliveryReport(
        start=start, end=now, total=sum(statuses.values()),
        by_status=[(status, statuses.get(status, 0)) for status in InvitationStatus],
        skipped=sorted(((reason, SKIP_WORDS[reason], count) for reason, count in skipped),
                       key=lambda row: (-row[2], row[0].value)),
        failures=sorted(failures.items(), key=lambda item: (-item[1], item[0])),
    )


def worker_health(session: Session, *, now: datetime | None = None) -> WorkerHealth:
    """The outbox as a worker sees it right now."""
    now = now or clock.now()
    due, oldest = session.execute(
        select(func.count(Invitation.id), func.min(Invitation.send_at))
        .where(Invitation.status == InvitationStatus.SCHEDULED, Invitation.send_at <= now)
    ).one()
    retrying = session.execute(
        select(func.count(Invitation.id))
        .where(Invitation.status == InvitationStatus.SCHEDULED, Invitation.attempts > 0)
    ).scalar_one()
    leased, expired = session.execute(
        select(func.count(Invitation.id),
               func.count(Invitation.id).filter(Invitation.lease_until < now))
        .where(Invitation.status == InvitationStatus.SENDING)
    ).one()
    return WorkerHealth(due_now=due, oldest_due_at=oldest,
                        oldest_due_for=(now - oldest) if oldest else None,
                        retrying=retrying, leased=leased, leases_expired=expired)

