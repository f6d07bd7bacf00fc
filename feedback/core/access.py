"""Default deny: every endpoint needs a signed-in user unless it is marked public.

Areas add their own role rule with `require_role` on the blueprint. Per-row rules
(whose feedback is whose) live in feedback.privacy, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from feedback.accounts import signin
from feedback.core.extensions import login_manager
from feedback.models import Role


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (the allowlist is every use of this)."""
    view.is_public = True
    return view


def require_role(blueprint: Blueprint, *roles: Role) -> None:
    """Every view of `blueprint` needs one of `roles`; others get a 403."""

    @blueprint.before_request
    def _check_role():
        if current_user.is_authenticated and current_user.role not in roles:
            abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are valid `next=` targets: no scheme, no host, no `//`, and
    nothing a browser strips or rewrites (tabs, newlines, backslashes) to make one."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ord(char) < 0x20 or ord(char) == 0x7F or char == "\\" for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    # Sessions live on the server (auth.signin), so they can be ended; binding them to
    # the client's address as well would sign people out whenever their phone changes
    # network, and Flask-Login's "strong" mode rewrites every anonymous visitor's cookie.
    login_manager.session_protection = None

    login_manager.user_loader(signin.load_user)

    @app.before_request
    def resolve_user():
        # Load the signed-in user first, before any view has changes pending: the
        # loader commits its "last seen" mark (see auth.signin.load_user).
        _ = current_user.is_authenticated

    @app.before_request
    def default_deny():
        if request.endpoint is None:
            return None  # a 404 is a 404 for everyone
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or request.endpoint == "static":
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None


__all__ = ["Role", "init_app", "is_safe_next", "public", "require_role"]
