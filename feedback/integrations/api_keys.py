"""API keys for CRMs and scripts: created and revoked by admins, shown once, stored hashed.

A key looks like ``fbk_3f9a1c0d_<43 random characters>``. The part before the
second underscore is its *prefix*: stored in the clear and shown in lists so
people can tell keys apart. The whole key has 256 random bits, so a plain
SHA-256 of it is enough to store (no salt or slow hash is needed for a secret
nobody chose); only that hash is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.core import audit, clock
from feedback.core.errors import DomainError, NotVisible
from feedback.models import ApiKey, ApiScope, User

KEY_MARK = "fbk_"
#: last_used_at is written at most this often per key, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
NAME_MAX = 120


class ApiKeyError(DomainError):
    """A key could not be created (bad name or scopes)."""

    code = "invalid_api_key_request"


class KeyRejected(DomainError):
    """The presented key is unknown, malformed or revoked (always the same answer)."""

    code = "invalid_api_key"


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


def prefix_of(raw_key: str) -> str | None:
    """The visible prefix of a presented key, or None if it is not shaped like one."""
    if not raw_key.startswith(KEY_MARK):
        return None
    head, sep, _ = raw_key[len(KEY_MARK):].partition("_")
    if not sep or len(head) != 8:
        return None
    return KEY_MARK + head


def create(session: Session, *, name: str, scopes: Iterable[str | ApiScope],
           created_by: User | None = None) -> tuple[ApiKey, str]:
    """A new key and its secret. The secret is returned here once and never again."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise ApiKeyError(f"Give the key a name of 1 to {NAME_MAX} characters.")
    try:
        chosen = sorted({ApiScope(s).value for s in scopes})
    except ValueError as exc:
        allowed = ", ".join(s.value for s in ApiScope)
        raise ApiKeyError(f"Unknown scope; choose from {allowed}.") from exc
    if not chosen:
        raise ApiKeyError("Choose at least one scope.")
    prefix = KEY_MARK + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_digest(raw), scopes=chosen,
                 created_by_id=created_by.id if created_by else None)
    session.add(key)
    session.flush()
    audit.record(session, created_by, "api_key.create", subject_type="api_key",
                 subject_id=key.id, scopes=chosen)
    return key, raw


def revoke(session: Session, key_id: int, *, by: User | None = None,
           now: datetime | None = None) -> ApiKey:
    """Stop a key working from the next request on (idempotent); NotVisible if unknown."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotVisible()
    if key.revoked_at is None:
        key.revoked_at = now or clock.now()
        audit.record(session, by, "api_key.revoke", subject_type="api_key", subject_id=key.id)
        session.flush()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first (for the admin page)."""
    return list(session.execute(
        select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(),
                                ApiKey.id.desc())
    ).scalars())


def authenticate(session: Session, raw_key: str, *, now: datetime | None = None) -> ApiKey:
    """The live key matching `raw_key`; KeyRejected otherwise.

    Records the last-used time (at most once per TOUCH_EVERY); the caller commits.
    """
    if prefix_of(raw_key) is None or len(raw_key) > 128:
        raise KeyRejected()
    digest = _digest(raw_key)
    key = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
    # The lookup is by hash, so timing says nothing about the secret; compare anyway.
    if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at:
        raise KeyRejected()
    now = now or clock.now()
    if key.last_used_at is None or key.last_used_at < now - TOUCH_EVERY:
        key.last_used_at = now
        session.flush()
    return key


def has_scope(key: ApiKey, scope: ApiScope) -> bool:
    """Whether the key was granted `scope`."""
    return scope.value in (key.scopes or [])
