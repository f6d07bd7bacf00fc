"""The API's rate limit: per key, in storage shared by every process (Redis in production).

`RATELIMIT_STORAGE_URI` picks the storage (memory:// by default, which is per
process; redis://host:6379 shares one budget across gunicorn workers and
machines). `API_RATE_LIMIT` is the budget per key, e.g. "600 per minute".
If the storage is unreachable the API keeps answering, unlimited, and logs it:
a Redis outage should not stop CRMs logging conversations.
"""

from __future__ import annotations

from flask import current_app

from feedback.core.extensions import limiter

__all__ = ["current_rate", "limiter"]


def current_rate() -> str:
    """The configured budget per key, read on every request (tests may change it)."""
    return current_app.config["API_RATE_LIMIT"]
