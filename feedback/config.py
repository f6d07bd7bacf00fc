"""Settings for feedback, read from environment variables in one place.

`create_app` takes one of these classes (or an instance); nothing else in the
project reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

#: A checkout keeps its data in ./instance beside the code; an installed wheel, in
#: ./instance under the folder it is started from (or FEEDBACK_INSTANCE_DIR).
_CHECKOUT = Path(__file__).resolve().parent.parent
_HOME = _CHECKOUT if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd()
_DEFAULT_INSTANCE = _HOME / "instance"
INSTANCE_DIR = Path(os.environ.get("FEEDBACK_INSTANCE_DIR", _DEFAULT_INSTANCE))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip().lower() for item in raw.split(",") if item.strip()]


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL") or default
    # Heroku-style URLs and plain "postgresql://" both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Defaults shared by every environment; each can be overridden by an env var."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'feedback.db'}")
    # hide_parameters: a database error's text never carries row data (emails, comments).
    # No pool_pre_ping: feedback.core.db_liveness drops closed connections without a round trip.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    INSTANCE_DIR = str(INSTANCE_DIR)

    #: Public address customers and staff reach; every emailed link starts here.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    ORG_NAME = os.environ.get("ORG_NAME", "Acme")

    # Mail. MAIL_TRANSPORT is "smtp" (a real relay) or "dev_mailbox" (files under instance/).
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM_ADDRESS = os.environ.get("MAIL_FROM_ADDRESS", "feedback@localhost")
    MAIL_DEFAULT_SENDER = MAIL_FROM_ADDRESS
    MAIL_SUPPRESS_SEND = False
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 30)

    # Respect for the customer (DESIGN.md promise 2).
    SEND_DELAY_MINUTES = _int("SEND_DELAY_MINUTES", 120)
    MAX_ENGAGEMENT_AGE_DAYS = _int("MAX_ENGAGEMENT_AGE_DAYS", 14)
    COOLDOWN_DAYS = _int("COOLDOWN_DAYS", 30)
    COMPANY_CAP_PER_COOLDOWN = _int("COMPANY_CAP_PER_COOLDOWN", 0)  # 0 = off
    REMINDER_AFTER_DAYS = _int("REMINDER_AFTER_DAYS", 3)  # 0 = no reminder
    LINK_EXPIRY_DAYS = _int("LINK_EXPIRY_DAYS", 14)
    EDIT_WINDOW_HOURS = _int("EDIT_WINDOW_HOURS", 24)
    INTERNAL_DOMAINS = _list("INTERNAL_DOMAINS")

    # Delivery worker.
    WORKER_BATCH_SIZE = _int("WORKER_BATCH_SIZE", 100)
    WORKER_POLL_SECONDS = _int("WORKER_POLL_SECONDS", 5)
    WORKER_LEASE_SECONDS = _int("WORKER_LEASE_SECONDS", 300)
    RETRY_BASE_SECONDS = _int("RETRY_BASE_SECONDS", 60)
    RETRY_HORIZON_HOURS = _int("RETRY_HORIZON_HOURS", 72)

    # Team aggregates (DESIGN.md privacy rules).
    MIN_GROUP_RESPONSES = _int("MIN_GROUP_RESPONSES", 5)
    MIN_GROUP_PEOPLE = max(3, _int("MIN_GROUP_PEOPLE", 3))
    # The API and imports.
    #: Where rate-limit counters live: memory:// (per process) or redis://host:6379 (shared).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 64 * 1024 * 1024)

    #: How long each process keeps an admin's settings before reading them again; a save
    #: clears the saving process's copy at once, the others' within this many seconds.
    SETTINGS_CACHE_SECONDS = _int("SETTINGS_CACHE_SECONDS", 5)

    # Retention: how long written words (comments, notes) and links are kept.
    RETENTION_DAYS = _int("RETENTION_DAYS", 730)

    # Forms and sessions.
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Pages whose URL holds a token send no Referer (so the token never leaks), so their
    # forms cannot pass Flask-WTF's HTTPS Referer check. CSRF protection rests on the
    # session-bound token and the SameSite=Lax cookie instead.
    WTF_CSRF_SSL_STRICT = False
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    #: A signed-in browser is signed out after this long without a request...
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    #: ...and after this long in any case.
    SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)
    SESSION_COOKIE_NAME = "feedback_session"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    #: Failed sign-ins allowed per account, and per client address (Flask-Limiter syntax).
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    #: Password-reset emails allowed per account, and per client address.
    RESET_LIMIT_PER_ACCOUNT = os.environ.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    RESET_LIMIT_PER_ADDRESS = os.environ.get("RESET_LIMIT_PER_ADDRESS", "10 per hour")
    #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0 = none).
    #: The Host header is never trusted: links use BASE_URL.
    TRUSTED_PROXY_COUNT = _int("TRUSTED_PROXY_COUNT", 0)
    #: Send Strict-Transport-Security (only ever over HTTPS).
    HSTS_ENABLED = _bool("HSTS_ENABLED", False)
    DEV_MAILBOX_ENABLED = False
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    @classmethod
    def validate(cls) -> None:
        """Refuse settings that would break a promise; called by create_app."""
        if cls.MIN_GROUP_PEOPLE < 3:
            raise RuntimeError("MIN_GROUP_PEOPLE cannot be below 3")


class DevelopmentConfig(Config):
    """`make run`: SQLite under instance/, mail kept in the dev mailbox, no send delay."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "dev_mailbox")
    DEV_MAILBOX_ENABLED = True
    SEND_DELAY_MINUTES = _int("SEND_DELAY_MINUTES", 0)
    WORKER_POLL_SECONDS = _int("WORKER_POLL_SECONDS", 2)


class TestingConfig(Config):
    """The test suite: SQLite file per test session unless DATABASE_URL is set."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    MAIL_TRANSPORT = "smtp"
    MAIL_SERVER = "127.0.0.1"
    BASE_URL = "https://feedback.test"
    DEV_MAILBOX_ENABLED = False
    WTF_CSRF_ENABLED = True
    SEND_DELAY_MINUTES = 120
    MAIL_TIMEOUT_SECONDS = 5
    SETTINGS_CACHE_SECONDS = 0  # tests change the settings table directly


class ProductionConfig(Config):
    """gunicorn behind a proxy: PostgreSQL, a real SMTP relay, secure cookies."""

    ENV_NAME = "production"
    DEBUG = False
    # __Host- cookies are only accepted over HTTPS, for this exact host, on path /.
    SESSION_COOKIE_NAME = "__Host-feedback_session"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_ENABLED = _bool("HSTS_ENABLED", True)

    @classmethod
    def validate(cls) -> None:
        super().validate()
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("BASE_URL"):
            raise RuntimeError("BASE_URL must be set in production (links in emails use it)")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by FEEDBACK_ENV (default: production, the safe choice)."""
    name = os.environ.get("FEEDBACK_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"FEEDBACK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
