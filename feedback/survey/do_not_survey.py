"""The do-not-survey list: unsubscribes, bounces and addresses added by hand."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.core.addresses import normalise_email
from feedback.core.errors import DomainError, NotVisible
from feedback.models import Suppression, SuppressionReason


def suppress(session: Session, email: str, reason: SuppressionReason) -> Suppression:
    """Put an address on the list (idempotent: the first reason is kept, forever)."""
    email = normalise_email(email)
    existing = session.execute(
        select(Suppression).where(Suppression.email == email)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    row = Suppression(email=email, reason=reason)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Someone else suppressed it at the same moment; theirs stands.
        return session.execute(select(Suppression).where(Suppression.email == email)).scalar_one()
    return row


def is_suppressed(session: Session, email: str) -> bool:
    """Whether an address may never be surveyed."""
    return session.execute(
        select(Suppression.id).where(Suppression.email == normalise_email(email))
    ).first() is not None


class SuppressionFixed(DomainError):
    """The address unsubscribed: that choice is the customer's and is honoured forever."""

    code = "unsubscribe_is_permanent"


def find(session: Session, email: str) -> Suppression | None:
    """The suppression of an address, if any."""
    return session.execute(
        select(Suppression).where(Suppression.email == normalise_email(email))
    ).scalar_one_or_none()


def lift(session: Session, email: str) -> Suppression:
    """Take an address off the list so it may be surveyed again.

    Only bounces and hand-added addresses can be lifted. An unsubscribe cannot: no
    admin, script or CRM may overrule the customer (SuppressionFixed). NotVisible if
    the address is not on the list.
    """
    row = find(session, email)
    if row is None:
        raise NotVisible()
    if row.reason is SuppressionReason.UNSUBSCRIBED:
        raise SuppressionFixed("This customer unsubscribed; that is never undone for them.")
    session.delete(row)
    session.flush()
    return row
