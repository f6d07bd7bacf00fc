"""Reading the audit log, for admins: newest first, a page at a time, by action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import AuditEvent, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class Entry:
    """One event as the log page shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def actions(session: Session) -> list[str]:
    """Every action that occurs in the log, alphabetically (for the filter)."""
    return list(session.execute(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())


def page(session: Session, *, action: str = "", number: int = 1) -> Page:
    """One page of events, optionally only those of one action (or a dotted prefix: "admin.")."""
    conditions = []
    if action.endswith("."):
        conditions.append(AuditEvent.action.startswith(action, autoescape=True))
    elif action:
        conditions.append(AuditEvent.action == action)
    total = session.execute(select(func.count(AuditEvent.id)).where(*conditions)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    entries = [
        Entry(id=event.id, at=event.at, action=event.action, details=event.details or {},
              actor=name or ("system" if event.actor_id is None else "a removed user"),
              subject=(f"{event.subject_type} {event.subject_id}" if event.subject_type
                       else ""))
        for event, name in rows
    ]
    return Page(entries=entries, page=number, pages=pages, total=total)
