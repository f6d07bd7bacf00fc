"""Shared fixtures: a real database (SQLite file, or PostgreSQL from DATABASE_URL),
a real SMTP server in-process, factories for people and conversations."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from feedback import create_app
from feedback.accounts import passwords as accounts
from feedback.config import TestingConfig
from feedback.core import settings as app_settings
from feedback.core.extensions import db, limiter
from feedback.delivery import scheduling
from feedback.models import EngagementKind, Role, Team
from tests.smtp import SmtpServer

PASSWORD = "correct horse battery"


def _postgres_url() -> str | None:
    url = TestingConfig.SQLALCHEMY_DATABASE_URI
    return url if url.startswith("postgresql") else None


@contextmanager
def throwaway_database(sqlite_folder, name_prefix: str = "feedback_test"):
    """An empty database of the suite's kind (SQLite file, or a new PostgreSQL database
    on the DATABASE_URL server), dropped afterwards; yields its URI."""
    pg = _postgres_url()
    if pg is None:
        yield f"sqlite:///{sqlite_folder / f'{name_prefix}.db'}"
        return
    base = make_url(pg)
    name = f"{name_prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    """A fresh, empty database for this test session."""
    with throwaway_database(tmp_path_factory.mktemp("db")) as uri:
        yield uri


@pytest.fixture
def empty_database_uri(tmp_path):
    """Another empty database, for tests that build a schema themselves (migrations)."""
    with throwaway_database(tmp_path, "feedback_empty") as uri:
        yield uri


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, for the whole session."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(database_uri, smtp_server, tmp_path_factory):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_uri,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        INSTANCE_DIR=str(tmp_path_factory.mktemp("instance")),
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's shared request context.

    With one context around the whole test, every client request would share one
    `g` and one database session, hiding exactly the bugs these tests look for.
    """
    yield


@pytest.fixture
def client(app):
    """A test client that does not keep request contexts pushed between requests
    (pytest-flask's does, which lets two clients share one `g`)."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _clean_state(app, smtp_server):
    """Every test starts with empty tables, an empty, healthy SMTP server and no
    rate-limit counts."""
    smtp_server.reset()
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            with db.engine.begin() as conn:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(scope="session")
def engine(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def session(engine):
    """A database session of the test's own, outside any app context.

    Holding an app context open for the whole test would make every client
    request share it (one `g`, one session), so tests talk to the database here.
    """
    with Session(engine) as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(app):
    return app_settings.from_config(app.config)


@pytest.fixture
def make_team(session):
    def make(name: str | None = None) -> Team:
        team = Team(name=name or f"Team {uuid.uuid4().hex[:6]}")
        session.add(team)
        session.flush()
        return team

    return make


@pytest.fixture
def make_user(session, make_team):
    """make_user(role=Role.SALESPERSON, team=None, email=None, name=None) -> committed User."""

    def make(role: Role = Role.SALESPERSON, *, team: Team | None = None, email: str | None = None,
             name: str | None = None, active: bool = True):
        if role is Role.SALESPERSON and team is None:
            team = make_team()
        tag = uuid.uuid4().hex[:6]
        user = accounts.create_user(session, email=email or f"{role.value}.{tag}@staff.example",
                                    name=name or f"{role.value.title()} {tag}", role=role,
                                    password=PASSWORD, team=team,
                                    # Fast hashing for tests; production keeps scrypt.
                                    hash_method="pbkdf2:sha256:1000")
        user.active = active
        session.commit()
        return user

    return make


@pytest.fixture
def log_conversation(session, settings):
    """Log a conversation through the scheduling service, committed; returns the engagement."""

    def log(salesperson, *, email: str | None = None, name: str = "Casey Customer",
            occurred_at: datetime | None = None, now: datetime | None = None, **kwargs):
        conversation = scheduling.ConversationInput(
            customer_email=email or f"customer.{uuid.uuid4().hex[:8]}@client.example",
            customer_name=name,
            occurred_at=occurred_at or datetime.now(UTC) - timedelta(hours=3),
            kind=kwargs.pop("kind", EngagementKind.CALL),
            company=kwargs.pop("company", "Client Co"),
            external_id=kwargs.pop("external_id", None),
        )
        engagement = scheduling.log_engagement(session, salesperson, conversation,
                                               kwargs.pop("settings", settings), now=now)
        session.commit()
        return engagement

    return log


@pytest.fixture
def survey_link(session, settings, log_conversation):
    """A conversation whose survey was just sent; returns (engagement, raw token).

    Claims and records the send directly, so no SMTP round trip is needed.
    """
    from feedback.delivery import outbox as delivery

    def make(salesperson, **kwargs):
        engagement = log_conversation(salesperson, **kwargs)
        now = datetime.now(UTC)
        claims = delivery.claim_batch(session, worker_id="test", settings=settings,
                                      now=now + settings.send_delay)
        [claim] = [c for c in claims if c.invitation_id == engagement.invitation.id]
        delivery.record_sent(session, claim, worker_id="test", settings=settings, now=now,
                             progress={"attempts": 1, "first_attempt_at": now})
        session.commit()
        return engagement, claim.raw_token

    return make


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def checked_value(html: str, name: str) -> str | None:
    """The value of the checked radio button called `name`, if any."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and re.search(r"\bchecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


class Auth:
    """Sign a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = PASSWORD):
        page = self.client.get("/login")
        return self.client.post("/login", data={
            "email": user.email, "password": password, "csrf_token": csrf_from(page.text)})

    def logout(self):
        page = self.client.get("/", follow_redirects=True)
        return self.client.post("/logout", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def post_form(client):
    """GET a page, take its CSRF token, POST the form: how a browser does it."""

    def post(url: str, data: dict, *, page_url: str | None = None, follow_redirects=False):
        page = client.get(page_url or url)
        return client.post(url, data={**data, "csrf_token": csrf_from(page.text)},
                           follow_redirects=follow_redirects)

    return post


def pytest_report_header(config):
    return f"database: {'postgresql' if _postgres_url() else 'sqlite'}"


os.environ.setdefault("FEEDBACK_ENV", "testing")
