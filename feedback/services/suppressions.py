"""The do-not-survey list: unsubscribes, bounces and addresses added by hand."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import Suppression, SuppressionReason
from feedback.services.addresses import normalise_email


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
