"""The outbox worker: claim due invitations under a lease, send, record each outcome.

Every state change is a conditional UPDATE on (id, leased_by), committed one message
at a time, so a crash loses at most the message in flight and never sends a
recorded one twice. On PostgreSQL any number of workers share the queue through
FOR UPDATE SKIP LOCKED; on SQLite one worker runs at a time (see worker_lock).

The guarantee, precisely: a message the relay accepted (250 after DATA) is recorded
sent even if the line drops afterwards, and is never sent again. The one window is a
worker dying (or the line dropping) after the relay kept the message but before this
worker committed "sent": after the lease runs out that one message is sent again,
with the same Message-ID so the receiving side can recognise the copy. A worker only
sends while its lease has at least half its length left, so a slow batch is given
back rather than sent by two workers at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from feedback.admin.delivery_report import failure_kind
from feedback.core import clock
from feedback.core.settings import Settings
from feedback.delivery import survey_email
from feedback.delivery.scheduling import suppression_skip_reason
from feedback.delivery.transport import SendFailure
from feedback.models import (
    Customer,
    Engagement,
    Invitation,
    InvitationStatus,
    SkipReason,
    Suppression,
    SuppressionReason,
    SurveyToken,
)
from feedback.survey import do_not_survey as suppressions
from feedback.survey import tokens
from feedback.team import rollups

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=4)
#: 2**12 retry_base already passes MAX_BACKOFF for any sane base; larger powers only overflow.
_MAX_DOUBLINGS = 12


@dataclass
class Claim:
    invitation_id: int
    raw_token: str
    token_id: int
    reminder: bool


@dataclass
class PassResult:
    """What one pass of the worker did (for logs, the CLI and tests)."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    expired: int = 0
    #: Claims given back unsent (told to stop, lease running out, or the relay failing).
    released: int = 0
    errors: list[str] = field(default_factory=list)


def _due(now: datetime):
    return or_(
        and_(Invitation.status == InvitationStatus.SCHEDULED, Invitation.send_at <= now),
        # A reminder is due on a sent invitation whose link is still open.
        and_(Invitation.status == InvitationStatus.SENT, Invitation.send_at <= now,
             Invitation.expires_at > now),
        # A worker died holding this row: its lease has run out. (A reminder whose link
        # has expired meanwhile is not due: expire_stale closes it instead.)
        and_(Invitation.status == InvitationStatus.SENDING, Invitation.lease_until < now,
             or_(Invitation.expires_at.is_(None), Invitation.expires_at > now)),
    )


def claim_batch(session: Session, *, worker_id: str, settings: Settings,
                now: datetime | None = None) -> list[Claim]:
    """Lease up to batch_size due invitations to this worker and mint their link tokens.

    The caller commits right away, so the lease is visible to other workers.
    """
    now = now or clock.now()
    query = (
        select(Invitation.id, Invitation.first_sent_at)
        .where(_due(now))
        .order_by(Invitation.send_at, Invitation.id)
        .limit(settings.batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Invitation)
    rows = session.execute(query).all()
    if not rows:
        return []
    # Re-check "due" in the UPDATE: on SQLite the SELECT took no lock.
    session.execute(
        update(Invitation)
        .where(Invitation.id.in_([row.id for row in rows]), _due(now))
        .values(status=InvitationStatus.SENDING, lease_until=now + settings.lease,
                leased_by=worker_id)
        .execution_options(synchronize_session=False)
    )
    owned = set(session.execute(
        select(Invitation.id).where(Invitation.id.in_([row.id for row in rows]),
                                    Invitation.leased_by == worker_id,
                                    Invitation.status == InvitationStatus.SENDING)
    ).scalars())
    minted = [(row, *tokens.mint(session, row.id)) for row in rows if row.id in owned]
    session.flush()
    return [Claim(row.id, raw, token.id, reminder=row.first_sent_at is not None)
            for row, raw, token in minted]


def _domain(settings: Settings) -> str:
    return settings.from_address.rsplit("@", 1)[-1]


def _update_owned(session: Session, claim: Claim, worker_id: str, values: dict) -> None:
    """Change a claimed row only while this worker still holds its lease."""
    session.execute(
        update(Invitation)
        .where(Invitation.id == claim.invitation_id, Invitation.leased_by == worker_id,
               Invitation.status == InvitationStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_sent(session: Session, claim: Claim, *, worker_id: str, settings: Settings,
                now: datetime, progress: dict) -> None:
    """The relay accepted the message: it is sent, whatever happens next."""
    values: dict = {**progress, "sent_at": now, "lease_until": None, "leased_by": None,
                    "last_error": None, "status": InvitationStatus.SENT}
    if claim.reminder:
        values.update(reminder_sent_at=now, send_at=None)
    else:
        values.update(
            first_sent_at=now,
            message_id=survey_email.message_id_for(claim.invitation_id, _domain(settings)),
            expires_at=now + settings.link_expiry,
            send_at=(now + settings.reminder_after) if settings.reminder_after else None,
        )
    _update_owned(session, claim, worker_id, values)


def record_failure(session: Session, claim: Claim, failure: SendFailure, *, worker_id: str,
                   settings: Settings, now: datetime, progress: dict, email: str,
                   retry_from: datetime | None = None) -> str:
    """Retry with backoff, or give up; returns "retrying", "failed" or "gave_up_reminder".

    Transient failures are retried until `retry_from` (the first attempt, by default)
    plus the retry horizon; the last retry is due at the horizon itself.
    """
    # The message never left: its token opens nothing, so do not keep it.
    session.execute(SurveyToken.__table__.delete().where(SurveyToken.id == claim.token_id))
    horizon = (retry_from or progress["first_attempt_at"]) + settings.retry_horizon
    give_up = failure.permanent or now >= horizon
    retry_at = min(now + _backoff(progress["attempts"], settings), horizon)
    if failure.mailbox_unknown:
        suppressions.suppress(session, email, SuppressionReason.BOUNCED)
    common = {**progress, "lease_until": None, "leased_by": None, "last_error": failure.reason}
    if claim.reminder:
        # The survey itself went out; a lost reminder is not worth pestering for.
        values = {**common, "status": InvitationStatus.SENT,
                  "send_at": None if give_up else retry_at}
        outcome = "gave_up_reminder" if give_up else "retrying"
    elif give_up:
        values = {**common, "status": InvitationStatus.FAILED, "send_at": None}
        outcome = "failed"
    else:
        values = {**common, "status": InvitationStatus.SCHEDULED, "send_at": retry_at}
        outcome = "retrying"
    _update_owned(session, claim, worker_id, values)
    return outcome


def _backoff(attempts: int, settings: Settings) -> timedelta:
    """Exponential backoff with ±25% jitter, so a recovered relay is not stampeded."""
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    base = min(settings.retry_base * (2 ** doublings), MAX_BACKOFF)
    return base * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security


def expire_stale(session: Session, now: datetime | None = None) -> int:
    """Sent invitations whose link has expired become expired (unanswered).

    That includes one a dead worker held while sending its reminder: the reminder is
    not sent late, and the row is not left "sending" for ever.
    """
    now = now or clock.now()
    return session.execute(
        update(Invitation)
        .where(Invitation.expires_at <= now,
               or_(Invitation.status == InvitationStatus.SENT,
                   and_(Invitation.status == InvitationStatus.SENDING,
                        Invitation.lease_until < now)))
        .values(status=InvitationStatus.EXPIRED, send_at=None, lease_until=None,
                leased_by=None)
    ).rowcount


@dataclass
class _Outgoing:
    claim: Claim
    email: str
    attempts: int
    first_attempt_at: datetime
    #: Retries of this send stop one retry horizon after this moment.
    retry_from: datetime
    message: object = None
    skip: SkipReason | None = None


def run_pass(session: Session, transport, *, worker_id: str, settings: Settings,
             now: Callable[[], datetime] = clock.now,
             should_stop: Callable[[], bool] = lambda: False) -> PassResult:
    """Claim one batch and send it; commits after the claim and after every message.

    The rest of the batch is given back unsent when told to stop, when the lease is
    half gone (so no other worker can have reclaimed what is sent next), or when the
    relay itself fails (the rest would only fail the same way).
    """
    result = PassResult()
    result.expired = expire_stale(session, now())
    claimed_at = now()
    claims = claim_batch(session, worker_id=worker_id, settings=settings, now=claimed_at)
    session.commit()
    result.claimed = len(claims)
    if not claims:
        return result
    send_until = claimed_at + settings.lease / 2
    outgoing = _prepare(session, claims, settings, now())
    first_sends: list[int] = []
    for index, item in enumerate(outgoing):
        if should_stop() or now() >= send_until:
            result.released += _give_back(session, outgoing[index:], worker_id)
            break
        progress = {"attempts": item.attempts, "first_attempt_at": item.first_attempt_at}
        if item.skip is not None:
            _skip_after_claim(session, item.claim, worker_id, item.skip)
            result.skipped += 1
        else:
            try:
                transport.send(item.message)
            except SendFailure as failure:
                outcome = record_failure(session, item.claim, failure, worker_id=worker_id,
                                         settings=settings, now=now(), progress=progress,
                                         email=item.email, retry_from=item.retry_from)
                if outcome == "failed":
                    result.failed += 1
                else:
                    result.retrying += 1
                result.errors.append(failure.reason)
                # The reply text can quote the customer's address: log its kind only.
                log.warning("invitation %s not sent (%s): %s", item.claim.invitation_id,
                            outcome, failure_kind(failure.reason))
                if failure.relay:
                    session.commit()
                    result.released += _give_back(session, outgoing[index + 1:], worker_id)
                    break
            else:
                record_sent(session, item.claim, worker_id=worker_id, settings=settings,
                            now=now(), progress=progress)
                result.sent += 1
                if not item.claim.reminder:
                    first_sends.append(item.claim.invitation_id)
        session.commit()
    # Response rates count surveys sent: recount their team cells once per batch, not
    # per message. A crash here only delays the count until the cell's next recount.
    rollups.refresh_for_invitations(session, first_sends)
    session.commit()
    return result


def _give_back(session: Session, rest: list[_Outgoing], worker_id: str) -> int:
    release(session, [item.claim for item in rest], worker_id=worker_id)
    session.commit()
    return len(rest)


def _prepare(session: Session, claims: list[Claim], settings: Settings,
             now: datetime) -> list[_Outgoing]:
    """Load and render everything up front, so the send loop only sends and records."""
    invitations = {
        inv.id: inv
        for inv in session.execute(
            select(Invitation)
            .where(Invitation.id.in_([c.invitation_id for c in claims]))
            .options(selectinload(Invitation.engagement).selectinload(Engagement.salesperson),
                     selectinload(Invitation.engagement).selectinload(Engagement.customer))
        ).scalars()
    }
    emails = {inv.engagement.customer.email for inv in invitations.values()}
    suppressed = dict(session.execute(
        select(Suppression.email, Suppression.reason).where(Suppression.email.in_(emails))
    ).all())
    domain = _domain(settings)
    outgoing = []
    for claim in claims:
        invitation = invitations[claim.invitation_id]
        customer: Customer = invitation.engagement.customer
        first_attempt_at = invitation.first_attempt_at or now
        if claim.reminder:
            # A reminder's retries count from when it fell due, not from the first send.
            retry_from = invitation.first_sent_at + (settings.reminder_after or timedelta(0))
        else:
            retry_from = first_attempt_at
        item = _Outgoing(claim=claim, email=customer.email, attempts=invitation.attempts + 1,
                         first_attempt_at=first_attempt_at, retry_from=retry_from)
        if customer.email in suppressed:
            item.skip = suppression_skip_reason(suppressed[customer.email])
        else:
            item.message = survey_email.build(
                invitation, claim.raw_token, settings, reminder=claim.reminder,
                message_id=survey_email.message_id_for(invitation.id, domain,
                                                       reminder=claim.reminder),
            )
        outgoing.append(item)
    return outgoing


def _skip_after_claim(session: Session, claim: Claim, worker_id: str, reason: SkipReason) -> None:
    session.execute(SurveyToken.__table__.delete().where(SurveyToken.id == claim.token_id))
    if claim.reminder:
        values = {"status": InvitationStatus.SENT, "send_at": None}
    else:
        values = {"status": InvitationStatus.SKIPPED, "skip_reason": reason, "send_at": None}
    _update_owned(session, claim, worker_id, {"lease_until": None, "leased_by": None, **values})


def release(session: Session, claims: list[Claim], *, worker_id: str) -> None:
    """Give unsent claims back (told to stop, the lease running low, or the relay failing)."""
    if not claims:
        return
    # A few statements for the whole rest of the batch: during an outage every poll
    # claims a batch, tries one message and gives the others back.
    session.execute(SurveyToken.__table__.delete().where(
        SurveyToken.id.in_([claim.token_id for claim in claims])))
    for reminder, status in ((False, InvitationStatus.SCHEDULED), (True, InvitationStatus.SENT)):
        ids = [claim.invitation_id for claim in claims if claim.reminder is reminder]
        if ids:
            session.execute(
                update(Invitation)
                .where(Invitation.id.in_(ids), Invitation.leased_by == worker_id,
                       Invitation.status == InvitationStatus.SENDING)
                .values(status=status, lease_until=None, leased_by=None)
                .execution_options(synchronize_session=False)
            )
