"""The delivery and privacy settings services need, as one typed value."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g


@dataclass(frozen=True)
class Settings:
    org_name: str = "Acme"
    base_url: str = "http://127.0.0.1:5000"
    from_address: str = "feedback@localhost"
    send_delay: timedelta = timedelta(hours=2)
    max_engagement_age: timedelta = timedelta(days=14)
    cooldown: timedelta = timedelta(days=30)
    company_cap: int = 0
    reminder_after: timedelta | None = timedelta(days=3)
    link_expiry: timedelta = timedelta(days=14)
    edit_window: timedelta = timedelta(hours=24)
    internal_domains: frozenset[str] = field(default_factory=frozenset)
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    retry_base: timedelta = timedelta(minutes=1)
    retry_horizon: timedelta = timedelta(hours=72)
    min_group_responses: int = 5
    min_group_people: int = 3


def from_config(config) -> Settings:
    """Build Settings from a Flask config mapping."""
    reminder_days = int(config["REMINDER_AFTER_DAYS"])
    return Settings(
        org_name=config["ORG_NAME"],
        base_url=config["BASE_URL"].rstrip("/"),
        from_address=config["MAIL_FROM_ADDRESS"],
        send_delay=timedelta(minutes=int(config["SEND_DELAY_MINUTES"])),
        max_engagement_age=timedelta(days=int(config["MAX_ENGAGEMENT_AGE_DAYS"])),
        cooldown=timedelta(days=int(config["COOLDOWN_DAYS"])),
        company_cap=int(config["COMPANY_CAP_PER_COOLDOWN"]),
        reminder_after=timedelta(days=reminder_days) if reminder_days > 0 else None,
        link_expiry=timedelta(days=int(config["LINK_EXPIRY_DAYS"])),
        edit_window=timedelta(hours=int(config["EDIT_WINDOW_HOURS"])),
        internal_domains=frozenset(d.lower() for d in config["INTERNAL_DOMAINS"]),
        batch_size=int(config["WORKER_BATCH_SIZE"]),
        lease=timedelta(seconds=int(config["WORKER_LEASE_SECONDS"])),
        retry_base=timedelta(seconds=int(config["RETRY_BASE_SECONDS"])),
        retry_horizon=timedelta(hours=int(config["RETRY_HORIZON_HOURS"])),
        min_group_responses=int(config["MIN_GROUP_RESPONSES"]),
        min_group_people=max(3, int(config["MIN_GROUP_PEOPLE"])),
    )


#: How long a process keeps the admin's settings before reading them again, unless the
#: app config says otherwise (SETTINGS_CACHE_SECONDS; 0 in tests, which change the table
#: directly between tests).
DEFAULT_CACHE_SECONDS = 5.0
_CACHE_KEY = "feedback_settings_cache"


def current() -> Settings:
    """Settings for the running app: config defaults with an admin's changes on top.

    Read once per request (or app context), not once per call. Across requests each
    process keeps them for SETTINGS_CACHE_SECONDS: the survey pages customers wait for
    then spend no round trip on them. A save through app_settings.save() clears this
    process's copy when it commits; other processes see it within the cache time.
    """
    if "feedback_settings" not in g:
        g.feedback_settings = _cached(current_app._get_current_object())
    return g.feedback_settings


def _cached(app) -> Settings:
    seconds = float(app.config.get("SETTINGS_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    held = app.extensions.get(_CACHE_KEY)
    now = time.monotonic()
    if seconds > 0 and held is not None and held[0] > now:
        return held[1]
    from feedback.core import settings_store as app_settings  # it imports this module
    from feedback.core.extensions import db

    fresh = app_settings.effective(db.session, app.config)
    app.extensions[_CACHE_KEY] = (now + seconds, fresh) if seconds > 0 else None
    return fresh


def forget_cached(app) -> None:
    """Read the settings from the database on this process's next request."""
    app.extensions.pop(_CACHE_KEY, None)
