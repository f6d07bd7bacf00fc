"""The weekly digest: a salesperson's own new released feedback since their last digest.

At most one digest per person per ISO week (users.last_digest_at), only with something
new to say, never to someone who turned it off. The email carries counts and short
excerpts, never a customer's name: an inbox is less private than the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import formataddr

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from feedback import privacy
from feedback.core import clock
from feedback.core.links import external_url
from feedback.core.settings import Settings
from feedback.models import Role, User

#: A first digest looks back this far.
FIRST_LOOKBACK = timedelta(days=7)
EXCERPTS = 3
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Digest:
    user_id: int
    since: datetime
    answers: int
    respected_well: int
    helped_well: int
    pressured: int
    doubted: int
    comments: int
    excerpts: list[str]
    #: The person's first digest (it looks back FIRST_LOOKBACK, not to a previous digest).
    first: bool = False


def week_began(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week containing `now`."""
    return datetime.combine(clock.week_start(now), time.min, tzinfo=UTC)


def set_weekly_digest(session: Session, user: User, enabled: bool) -> None:
    """Turn the user's weekly digest on or off."""
    user.weekly_digest = enabled
    session.flush()


def due(session: Session, now: datetime) -> list[User]:
    """Salespeople who want a digest and have had none this week."""
    return list(session.execute(
        select(User).where(
            User.role == Role.SALESPERSON, User.active.is_(True), User.weekly_digest.is_(True),
            or_(User.last_digest_at.is_(None), User.last_digest_at < week_began(now)))
        .order_by(User.id)
    ).scalars())


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"


def build(session: Session, user: User, now: datetime) -> Digest | None:
    """What is new for `user` since their last digest; None if nothing is."""
    since = user.last_digest_at or now - FIRST_LOOKBACK
    rows = privacy.my_new_feedback(session, user, since, now)
    if not rows:
        return None
    comments = [r.improve_comment for r in rows if r.improve_comment.strip()]
    return Digest(
        user_id=user.id, since=since, answers=len(rows),
        respected_well=sum(r.respected >= 4 for r in rows),
        helped_well=sum(r.helped >= 4 for r in rows),
        pressured=sum(r.pressure.value != "no" for r in rows),
        doubted=sum(r.doubtful_promise for r in rows),
        comments=len(comments),
        # Sorted text, not arrival order: the order of excerpts must name nobody either.
        excerpts=sorted(_excerpt(c) for c in comments)[:EXCERPTS],
        first=user.last_digest_at is None,
    )


def claim(session: Session, user: User, now: datetime) -> bool:
    """Mark this week's digest as taken; False if another run already took it.

    The caller commits before sending, so two runs at once never both send; a crash
    between commit and send loses one digest (a duplicate would be worse).
    """
    result = session.execute(
        update(User).where(User.id == user.id, or_(User.last_digest_at.is_(None),
                                                    User.last_digest_at < week_began(now)))
        .values(last_digest_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def unclaim(session: Session, user_id: int, previous: datetime | None, now: datetime) -> None:
    """Give back a claim whose mail was not accepted, so a later run tries again."""
    session.execute(
        update(User).where(User.id == user_id, User.last_digest_at == now)
        .values(last_digest_at=previous).execution_options(synchronize_session=False))


def _render(name: str, context: dict) -> str:
    return current_app.jinja_env.get_template(name).render(**context)


def message(digest: Digest, user: User, settings: Settings, now: datetime) -> Message:
    """The email for one digest, plain text and HTML, with a stable Message-ID per week."""
    year, week, _ = now.isocalendar()
    context = {
        "first_name": user.first_name, "digest": digest, "org_name": settings.org_name,
        "feedback_url": external_url(settings.base_url, "me.feedback"),
        "trends_url": external_url(settings.base_url, "me.trends"),
        "settings_url": external_url(settings.base_url, "me.settings"),
    }
    plural = "s" if digest.answers != 1 else ""
    msg = Message(
        subject=f"Your feedback this week: {digest.answers} new answer{plural}",
        sender=formataddr((f"{settings.org_name} feedback", settings.from_address)),
        recipients=[user.email],
        body=_render("email/digest.txt", context),
        html=_render("email/digest.html", context),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    domain = settings.from_address.rsplit("@", 1)[-1]
    msg.msgId = f"<digest.{user.id}.{year}-W{week:02d}@{domain}>"
    return msg
