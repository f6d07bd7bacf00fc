"""API views authenticate by key, not by session: `Authorization: Bearer <key>`.

`key_required(scope)` marks a view public for the login check (there is no login
session here), authenticates the key, checks its scope, then applies the per-key
rate limit, in that order, so a stranger's requests never spend a real key's budget.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from feedback.core.access import public
from feedback.core.extensions import db
from feedback.integrations import api_keys
from feedback.integrations.api.errors import ApiError
from feedback.integrations.api.limits import current_rate, limiter
from feedback.models import ApiKey, ApiScope

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="feedback"'}


def _presented_key() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized",
                       "Send an API key in the header 'Authorization: Bearer <key>'.",
                       headers=_CHALLENGE)
    return token.strip()


def authenticate(scope: ApiScope) -> ApiKey:
    """The request's live key holding `scope`; ApiError 401 or 403 otherwise."""
    try:
        key = api_keys.authenticate(db.session, _presented_key())
    except api_keys.KeyRejected as exc:
        raise ApiError(401, "invalid_api_key", "That API key is unknown or revoked.",
                       headers=_CHALLENGE) from exc
    if not api_keys.has_scope(key, scope):
        raise ApiError(403, "insufficient_scope", f"This key lacks the {scope.value} scope.")
    # The last-used time, committed now so a request that later fails still counts.
    db.session.commit()
    return key


def key_required(scope: ApiScope) -> Callable:
    """Decorate an API view: key with `scope`, then the rate limit, then the view."""

    def decorator(view: Callable) -> Callable:
        # One budget per key across every API view, not one per view.
        limited = limiter.shared_limit(current_rate, scope="api")(view)

        @wraps(view)
        def wrapper(*args, **kwargs):
            key = authenticate(scope)
            g.api_key_id = key.id
            g.api_key_prefix = key.prefix
            return limited(*args, **kwargs)

        wrapper.api_scope = scope
        return public(wrapper)

    return decorator


def current_key_id() -> int:
    """The id of the key this request authenticated with."""
    return g.api_key_id
