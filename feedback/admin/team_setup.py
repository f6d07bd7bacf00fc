"""Admins shape teams: create, rename, and say who manages and who sells in each.

A manager sees only aggregates of the teams they manage (feedback.team.aggregates), so who
manages what is an access decision: only people with the manager role may manage.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from feedback.core import audit
from feedback.core.errors import DomainError, NotVisible
from feedback.models import Role, Team, User

NAME_MAX = 120


class TeamError(DomainError):
    """A team change the rules refuse; the message says why."""

    code = "team_rule"


def get_team(session: Session, team_id: int) -> Team:
    """The team with this id; NotVisible if there is none."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotVisible()
    return team


def list_teams(session: Session) -> list[tuple[Team, int]]:
    """Every team by name, with how many people are in it now (a headcount, not a score)."""
    counts = dict(session.execute(
        select(User.team_id, func.count(User.id)).where(User.active.is_(True))
        .group_by(User.team_id)
    ).all())
    teams = session.execute(
        select(Team).options(selectinload(Team.managers)).order_by(Team.name)
    ).scalars()
    return [(team, counts.get(team.id, 0)) for team in teams]


def _clean_name(session: Session, name: str, team: Team | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise TeamError("Please give the team a name.")
    if len(name) > NAME_MAX:
        raise TeamError(f"Team names can have at most {NAME_MAX} characters.")
    clash = session.execute(
        select(Team.id).where(func.lower(Team.name) == name.lower())
    ).scalar_one_or_none()
    if clash is not None and (team is None or clash != team.id):
        raise TeamError("There is already a team with that name.")
    return name


def _flush_unique(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # someone else took the name at the same moment
        raise TeamError("There is already a team with that name.") from exc


def create_team(session: Session, actor: User, name: str) -> Team:
    """A new, empty team."""
    team = Team(name=_clean_name(session, name))
    session.add(team)
    _flush_unique(session)
    audit.record(session, actor, "admin.team.create", subject_type="team", subject_id=team.id)
    return team


def rename_team(session: Session, actor: User, team: Team, name: str) -> None:
    """Give a team a new name; its history stays with it."""
    name = _clean_name(session, name, team)
    if name == team.name:
        return
    team.name = name
    _flush_unique(session)
    audit.record(session, actor, "admin.team.rename", subject_type="team", subject_id=team.id)


def _users(session: Session, ids: Iterable[int]) -> list[User]:
    ids = set(ids)
    users = list(session.execute(select(User).where(User.id.in_(ids))).scalars()) if ids else []
    if len(users) != len(ids):
        raise TeamError("Some of those people no longer exist; reload the page.")
    return users


def set_managers(session: Session, actor: User, team: Team, user_ids: Iterable[int]) -> None:
    """Exactly these managers manage `team`."""
    managers = _users(session, user_ids)
    wrong = [u.name for u in managers if u.role is not Role.MANAGER]
    if wrong:
        raise TeamError(f"Only people with the manager role can manage a team: "
                        f"{', '.join(sorted(wrong))}.")
    before = {u.id for u in team.managers}
    after = {u.id for u in managers}
    if before == after:
        return
    team.managers = sorted(managers, key=lambda u: u.id)
    audit.record(session, actor, "admin.team.managers", subject_type="team",
                 subject_id=team.id, added=sorted(after - before),
                 removed=sorted(before - after))
    session.flush()


def set_members(session: Session, actor: User, team: Team, user_ids: Iterable[int]) -> None:
    """Exactly these salespeople sell in `team`; anyone added leaves their old team.

    Answers keep the team of their conversation, so moving people rewrites no history.
    """
    members = _users(session, user_ids)
    wrong = [u.name for u in members if u.role is not Role.SALESPERSON]
    if wrong:
        raise TeamError(f"Only salespeople can be team members: {', '.join(sorted(wrong))}.")
    current = session.execute(
        select(User).where(User.team_id == team.id, User.role == Role.SALESPERSON)
    ).scalars().all()
    before = {u.id for u in current}
    after = {u.id for u in members}
    if before == after:
        return
    for user in current:
        if user.id not in after:
            user.team_id = None
    for user in members:
        user.team_id = team.id
    audit.record(session, actor, "admin.team.members", subject_type="team",
                 subject_id=team.id, added=sorted(after - before),
                 removed=sorted(before - after))
    session.flush()
