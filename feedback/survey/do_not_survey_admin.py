"""The do-not-survey list as admins manage it: look up, add by hand, lift.

An unsubscribe is the customer's choice and holds forever: no admin can lift it.
Manual entries and bounces can be lifted (a bounce may have been a full mailbox).
Addresses are shown to admins, who manage the list, but never go into the audit log
or the application log: audit rows carry the suppression's id and reason only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.core import audit
from feedback.core.addresses import is_valid_email, normalise_email
from feedback.core.errors import DomainError, NotVisible
from feedback.models import Suppression, SuppressionReason, User
from feedback.survey import do_not_survey as suppressions

PAGE_SIZE = 50
SuppressionFixed = suppressions.SuppressionFixed


class SuppressionError(DomainError):
    code = "suppression_rule"


@dataclass(frozen=True)
class Page:
    """One page of the list, newest first."""

    rows: list[Suppression]
    page: int
    pages: int
    total: int


def list_page(session: Session, *, query: str = "", reason: SuppressionReason | None = None,
              page: int = 1) -> Page:
    """Suppressions matching a part of an address and/or a reason, newest first."""
    conditions = []
    if query.strip():
        # Escape LIKE wildcards: an admin typing "_" means an underscore.
        needle = normalise_email(query).replace("\\", "\\\\").replace("%", "\\%")
        needle = needle.replace("_", "\\_")
        conditions.append(Suppression.email.like(f"%{needle}%", escape="\\"))
    if reason is not None:
        conditions.append(Suppression.reason == reason)
    total = session.execute(
        select(func.count(Suppression.id)).where(*conditions)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(session.execute(
        select(Suppression).where(*conditions)
        .order_by(Suppression.created_at.desc(), Suppression.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).scalars())
    return Page(rows=rows, page=page, pages=pages, total=total)


def add_manual(session: Session, actor: User, email: str) -> tuple[Suppression, bool]:
    """Put an address on the list by hand; (row, False) if it was already there."""
    email = normalise_email(email)
    if not is_valid_email(email):
        raise SuppressionError("That email address does not look right.")
    existed = suppressions.is_suppressed(session, email)
    row = suppressions.suppress(session, email, SuppressionReason.MANUAL)
    if not existed:
        audit.record(session, actor, "admin.suppression.add", subject_type="suppression",
                     subject_id=row.id, reason=row.reason.value)
    return row, not existed


def lift(session: Session, actor: User, suppression_id: int) -> None:
    """Take an address off the list, unless the customer unsubscribed (SuppressionFixed)."""
    row = session.get(Suppression, suppression_id)
    if row is None:
        raise NotVisible()
    reason = row.reason
    suppressions.lift(session, row.email)  # the one place the "forever" rule lives
    audit.record(session, actor, "admin.suppression.lift", subject_type="suppression",
                 subject_id=suppression_id, reason=reason.value)
