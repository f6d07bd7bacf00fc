"""The staff navigation: each blueprint adds its own links, per role."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.models import Role


@dataclass(frozen=True, order=True)
class NavItem:
    order: int
    endpoint: str
    label: str


_ITEMS: dict[Role, set[NavItem]] = {role: set() for role in Role}


def add(roles: Role | tuple[Role, ...], endpoint: str, label: str, order: int = 50) -> None:
    """Show `label` linking to `endpoint` to users with any of `roles`."""
    for role in (roles,) if isinstance(roles, Role) else roles:
        _ITEMS[role].add(NavItem(order, endpoint, label))


def items_for(role: Role) -> list[NavItem]:
    """The links a user with `role` sees, in order."""
    return sorted(_ITEMS[role])
