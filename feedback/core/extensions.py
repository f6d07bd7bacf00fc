"""Extensions, created unbound here and bound to the app in create_app."""

import sqlite3

from flask import g
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from feedback.core import db_liveness  # noqa: F401  (registers the pool's checkout check)

# Stable constraint names so Alembic migrations are reproducible on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()


def _api_key_of_request() -> str:
    # Limits apply only after api.auth authenticated the key, so a caller cannot
    # spend someone else's budget by naming it.
    return f"key:{g.api_key_prefix}"


limiter = Limiter(key_func=_api_key_of_request, headers_enabled=True,
                  key_prefix="feedback", swallow_errors=True)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """SQLite: write-ahead log (readers never wait for the writer), wait for locks
    instead of failing at once, and enforce foreign keys like PostgreSQL does."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
