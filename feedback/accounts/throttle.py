"""Limits on guessing: failed sign-ins and reset requests, per account and per address.

Flask-Limiter counts in RATELIMIT_STORAGE_URI (Redis when set, so every gunicorn
worker and machine shares one count). Only failures count against sign-in, so a
person who types their password right is never slowed down. Account keys are
hashed: the limiter's storage never holds an email address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user

from feedback.core.addresses import normalise_email
from feedback.core.extensions import limiter

_MESSAGE = "Too many attempts for now. Please wait a few minutes, then try again."


def _client_address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def _account() -> str:
    email = normalise_email(request.form.get("email", "")[:254])
    return "account:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def _not_signed_in(response) -> bool:
    # A successful sign-in redirects; everything else was a failed attempt.
    return response.status_code != 302


def _limit(setting: str, key_func: Callable[[], str], scope: str, **kwargs):
    return limiter.limit(lambda: current_app.config[setting], key_func=key_func,
                         methods=["POST"], scope=scope, error_message=_MESSAGE, **kwargs)


def sign_in_limits(view: Callable) -> Callable:
    """Failed sign-ins per account and per client address."""
    view = _limit("LOGIN_LIMIT_PER_ACCOUNT", _account, "login-account",
                  deduct_when=_not_signed_in)(view)
    return _limit("LOGIN_LIMIT_PER_ADDRESS", _client_address, "login-address",
                  deduct_when=_not_signed_in)(view)


def reset_limits(view: Callable) -> Callable:
    """Password-reset requests per account and per client address."""
    view = _limit("RESET_LIMIT_PER_ACCOUNT", _account, "reset-account")(view)
    return _limit("RESET_LIMIT_PER_ADDRESS", _client_address, "reset-address")(view)


def password_change_limits(view: Callable) -> Callable:
    """Wrong current passwords on the account page count like failed sign-ins."""
    return _limit("LOGIN_LIMIT_PER_ACCOUNT", lambda: f"user:{current_user.id}",
                  "password-change", deduct_when=_not_signed_in)(view)
