"""Retention: words people wrote, and links we sent, are not kept forever.

After RETENTION_DAYS (default 730) the purge erases customers' comments (what could be
better, the doubtful promise, the note for the product team), salespeople's reflections
and coaches' notes, survey-link tokens, spent staff links, delivery error texts
(an SMTP error can quote the address), and the names and companies of customers with
no conversation since. Their email address stays (the do-not-survey list and the
cooldown need it), and so do the scores: they carry no words and the
trends need them. Sent email bodies are never stored (the worker renders, sends and
forgets; the dev mailbox exists only in development), so there is nothing to purge there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from feedback.core import audit, clock
from feedback.core.errors import DomainError
from feedback.models import (
    AccountLink,
    CoachingNote,
    Customer,
    Engagement,
    Invitation,
    Reflection,
    Response,
    SurveyToken,
)

DEFAULT_RETENTION_DAYS = 730
#: Longer than any survey link lives (LINK_EXPIRY_DAYS is at most 90), so no purge
#: ever breaks a link that still works.
MIN_RETENTION_DAYS = 90


class RetentionTooShort(DomainError):
    code = "retention_too_short"


@dataclass(frozen=True)
class PurgeResult:
    """How many rows the purge changed, per kind (counts only, never content)."""

    comments_erased: int
    reflections_deleted: int
    coaching_notes_deleted: int
    survey_tokens_deleted: int
    account_links_deleted: int
    delivery_errors_cleared: int
    customer_names_erased: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def purge(session: Session, *, retention_days: int = DEFAULT_RETENTION_DAYS,
          now: datetime | None = None) -> PurgeResult:
    """Erase everything older than `retention_days` before `now`, in the caller's transaction.

    An answer's reflection and coaching notes go with the answer's words, whatever
    their own age: they are about those words.
    """
    if retention_days < MIN_RETENTION_DAYS:
        raise RetentionTooShort(f"RETENTION_DAYS must be at least {MIN_RETENTION_DAYS} "
                                f"(got {retention_days}).")
    now = now or clock.now()
    cutoff = now - timedelta(days=retention_days)
    old_answers = select(Response.id).where(Response.submitted_at < cutoff)

    reflections = _run(session, delete(Reflection).where(
        or_(Reflection.updated_at < cutoff, Reflection.response_id.in_(old_answers))))
    notes = _run(session, delete(CoachingNote).where(
        or_(CoachingNote.created_at < cutoff, CoachingNote.response_id.in_(old_answers))))
    comments = _run(session, (
        update(Response)
        .where(Response.submitted_at < cutoff,
               or_(Response.improve_comment != "", Response.promise_note != "",
                   Response.product_comment != "", Response.product_contact_ok.is_(True)))
        .values(improve_comment="", promise_note="", product_comment="",
                product_contact_ok=False)
    ))
    tokens = _run(session, delete(SurveyToken).where(SurveyToken.created_at < cutoff))
    links = _run(session, delete(AccountLink).where(AccountLink.created_at < cutoff))
    errors = _run(session, (
        update(Invitation)
        .where(Invitation.created_at < cutoff, Invitation.last_error.is_not(None))
        .values(last_error=None)
    ))
    recent = select(Engagement.id).where(Engagement.customer_id == Customer.id,
                                         Engagement.created_at >= cutoff)
    names = _run(session, (
        update(Customer)
        .where(Customer.created_at < cutoff, ~recent.exists(),
               or_(Customer.name != "", Customer.company != ""))
        .values(name="", company="")
    ))
    result = PurgeResult(comments_erased=comments, reflections_deleted=reflections,
                         coaching_notes_deleted=notes, survey_tokens_deleted=tokens,
                         account_links_deleted=links, delivery_errors_cleared=errors,
                         customer_names_erased=names)
    audit.record(session, None, "retention.purge", retention_days=retention_days,
                 **result.as_dict())
    session.flush()
    return result


def _run(session: Session, statement) -> int:
    """Run one bulk change and say how many rows it touched."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)
