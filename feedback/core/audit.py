"""Writing to the audit log: who did what to which row, never what the row says."""

from __future__ import annotations

from sqlalchemy.orm import Session

from feedback.models import AuditEvent, User


def record(session: Session, actor: User | None, action: str, *,
           subject_type: str | None = None, subject_id: int | None = None,
           **details) -> AuditEvent:
    """Append one event in the caller's transaction."""
    event = AuditEvent(actor_id=actor.id if actor else None, action=action,
                       subject_type=subject_type, subject_id=subject_id, details=details)
    session.add(event)
    return event
