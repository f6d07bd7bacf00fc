"""Signing a browser in and out: the Flask side of feedback.accounts.sessions.

The cookie holds only a random session key (Flask-Login's "alternative token"),
and the user is loaded through the server-side session on every request, so
logout, deactivation, a new password and the timeouts take effect at once.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user

from feedback.accounts import sessions as staff_sessions
from feedback.core.extensions import db
from feedback.models import User


def timeouts() -> staff_sessions.Timeouts:
    """The configured idle and absolute session lifetimes."""
    config = current_app.config
    return staff_sessions.Timeouts(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                   absolute=timedelta(hours=config["SESSION_MAX_HOURS"]))


def current_key() -> str | None:
    """The session key this browser presented, if any."""
    return session.get("_user_id")


def sign_in(user: User) -> None:
    """Start a new server-side session for `user` in this browser (not committed)."""
    key = staff_sessions.start(db.session, user, user_agent=_browser())
    # Nothing from before signing in carries over: a planted session is worthless.
    session.clear()
    user.session_key = key
    login_user(user)


def sign_out() -> None:
    """End this browser's session on the server and forget it here (not committed)."""
    key = current_key()
    if key:
        staff_sessions.end(db.session, key)
    logout_user()
    session.clear()


def load_user(key: str) -> User | None:
    """Flask-Login's loader: the user of a live session, or None (signed out)."""
    user = staff_sessions.resume(db.session, key, timeouts())
    # Commit the "last seen" mark or the expiry now: this runs first in the request
    # (access.resolve_user), before any view has pending changes of its own.
    db.session.commit()
    if user is not None:
        user.session_key = key
    return user


def _browser() -> str:
    return (request.user_agent.string or "Unknown browser")[:200]
