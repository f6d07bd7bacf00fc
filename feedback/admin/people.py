"""Admins manage staff: invite, change role or team, deactivate and reactivate.

Two rules keep the system runnable: an admin cannot deactivate (or demote) themself,
and the last active admin cannot be removed. Deactivation ends a person's sessions:
the login manager's user loader (feedback.core.access) refuses inactive users, so their
next request is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback.accounts import links as account_links
from feedback.accounts import passwords as accounts
from feedback.accounts import sessions as staff_sessions
from feedback.core import audit, clock
from feedback.core.errors import DomainError, NotVisible
from feedback.models import Role, Team, User


class PeopleError(DomainError):
    """A change to a person that the rules refuse; the message says why."""

    code = "people_rule"


@dataclass(frozen=True)
class PersonRow:
    """One line of the admin's people list: who, what role, which team, what state."""

    user: User
    #: "active", "invited", "invite expired", "no password" or "deactivated".
    state: str


def get_user(session: Session, user_id: int) -> User:
    """The user with this id; NotVisible if there is none."""
    user = session.get(User, user_id)
    if user is None:
        raise NotVisible()
    return user


def _state(user: User, links: dict[int, datetime], now: datetime) -> str:
    if not user.active:
        return "deactivated"
    if user.password_hash is not None:
        return "active"
    if user.id in links:
        return "invited" if links[user.id] > now else "invite expired"
    return "no password"


def list_people(session: Session, *, now: datetime | None = None) -> list[PersonRow]:
    """Every staff member, by name (alphabetical; never by any score)."""
    now = now or clock.now()
    links = account_links.pending_links(session)
    users = session.execute(
        select(User).options(selectinload(User.team)).order_by(User.name, User.id)
    ).scalars()
    return [PersonRow(user, _state(user, links, now)) for user in users]


def state_of(session: Session, user: User, *, now: datetime | None = None) -> str:
    """"active", "invited", "invite expired", "no password" or "deactivated"."""
    return _state(user, account_links.pending_links(session, user.id), now or clock.now())


def invite(session: Session, actor: User, *, email: str, name: str, role: Role,
           team: Team | None = None, now: datetime | None = None
           ) -> account_links.IssuedLink:
    """Create an account without a password and a link for its owner to set one."""
    if not name.strip():
        raise accounts.AccountError("Please give the person's name.")
    user = accounts.create_user(session, email=email, name=name, role=role, team=team)
    link = account_links.issue(session, user, now=now)
    audit.record(session, actor, "admin.user.invite", subject_type="user", subject_id=user.id,
                 role=role.value, team_id=team.id if team else None)
    return link


def resend_link(session: Session, actor: User, user: User, *,
                now: datetime | None = None) -> account_links.IssuedLink:
    """A fresh set-password link for `user` (the old one stops working)."""
    link = account_links.issue(session, user, now=now)
    audit.record(session, actor, "admin.user.link_sent", subject_type="user",
                 subject_id=user.id, purpose=link.purpose.value)
    return link


def _active_admin_ids(session: Session) -> set[int]:
    """Active admins, locked on PostgreSQL so two admins cannot remove each other at once."""
    query = select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return set(session.execute(query).scalars())


def _ensure_not_last_admin(session: Session, user: User, what: str) -> None:
    if user.role is Role.ADMIN and user.active and not (_active_admin_ids(session) - {user.id}):
        raise PeopleError(f"{user.name} is the last active admin; make someone else an admin "
                          f"before you {what}.")


def change_role(session: Session, actor: User, user: User, role: Role) -> None:
    """Give `user` another role. Someone who stops managing loses the teams they managed."""
    if user.role is role:
        return
    if user.id == actor.id:
        raise PeopleError("You cannot change your own role; ask another admin.")
    if user.role is Role.ADMIN:
        _ensure_not_last_admin(session, user, "change their role")
    before = user.role
    user.role = role
    released = 0
    if role is not Role.MANAGER:
        released = len(user.managed_teams)
        user.managed_teams.clear()
    audit.record(session, actor, "admin.user.role", subject_type="user", subject_id=user.id,
                 before=before.value, after=role.value, teams_released=released)
    session.flush()


def set_team(session: Session, actor: User, user: User, team: Team | None) -> None:
    """Move `user` into `team` (or out of any). Past answers keep their old team."""
    if user.team_id == (team.id if team else None):
        return
    before = user.team_id
    user.team = team
    audit.record(session, actor, "admin.user.team", subject_type="user", subject_id=user.id,
                 before=before, after=team.id if team else None)
    session.flush()


def deactivate(session: Session, actor: User, user: User) -> None:
    """Switch the account off: no sign-in, sessions end, unused links stop working."""
    if user.id == actor.id:
        raise PeopleError("You cannot deactivate yourself; ask another admin.")
    if not user.active:
        return
    _ensure_not_last_admin(session, user, "deactivate them")
    user.active = False
    account_links.revoke_all(session, user)
    staff_sessions.end_all(session, user)
    audit.record(session, actor, "admin.user.deactivate", subject_type="user",
                 subject_id=user.id)
    session.flush()


def reactivate(session: Session, actor: User, user: User) -> None:
    """Switch the account back on; their old password works again."""
    if user.active:
        return
    user.active = True
    audit.record(session, actor, "admin.user.reactivate", subject_type="user",
                 subject_id=user.id)
    session.flush()
