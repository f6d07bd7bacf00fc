"""A salesperson's private notes on their own answers ("what I'd do differently")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from feedback import privacy
from feedback.core import clock
from feedback.core.errors import DomainError
from feedback.models import Reflection, User
from feedback.models.coaching import REFLECTION_MAX


class ReflectionInvalid(DomainError):
    """The text is empty or too long."""

    code = "invalid_reflection"


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ReflectionInvalid("Write something, or delete the reflection instead.")
    if len(body) > REFLECTION_MAX:
        raise ReflectionInvalid(f"Please keep it under {REFLECTION_MAX} characters.")
    return body


def save(session: Session, author: User, response_id: int, body: str,
         now: datetime | None = None) -> Reflection:
    """Write or replace the author's reflection on one of their own answers.

    NotVisible if the answer is not theirs (or not released yet).
    """
    now = now or clock.now()
    body = _clean(body)
    response = privacy.own_response(session, author, response_id)
    reflection = privacy.my_reflections(session, author, [response.id]).get(response.id)
    if reflection is None:
        reflection = Reflection(response_id=response.id, author_id=author.id, body=body,
                                created_at=now, updated_at=now)
        session.add(reflection)
    else:
        reflection.body = body
        reflection.updated_at = now
    session.flush()
    return reflection


def delete(session: Session, author: User, response_id: int) -> bool:
    """Delete the author's reflection on this answer; False if there was none.

    NotVisible if the answer is not theirs.
    """
    response = privacy.own_response(session, author, response_id)
    reflection = privacy.my_reflections(session, author, [response.id]).get(response.id)
    if reflection is None:
        return False
    session.delete(reflection)
    session.flush()
    return True
