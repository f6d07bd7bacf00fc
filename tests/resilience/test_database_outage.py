"""The database goes away: the app answers 503 (calm page, JSON for programs, Retry-After),
stores nothing half-way, and recovers by itself once the database is back.

PostgreSQL: a private cluster of this module's own (initdb in a temporary folder, a free
port) is really stopped and started; the shared server the suite uses is never touched.
SQLite has no server to restart; its analogue is a database locked by another writer
for longer than the app waits.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from benchmarks import private_postgres
from feedback import create_app
from feedback.accounts import passwords as accounts
from feedback.config import TestingConfig
from feedback.core import settings as app_settings
from feedback.core.error_pages import is_database_unavailable
from feedback.core.extensions import db
from feedback.delivery import outbox as delivery
from feedback.delivery import scheduling
from feedback.integrations import api_keys
from feedback.models import (
    ApiScope,
    Engagement,
    EngagementKind,
    Invitation,
    InvitationStatus,
    Response,
    Role,
    Team,
)
from tests.conftest import PASSWORD, Auth, _postgres_url, csrf_from

ANSWER = {"respected": "4", "helped": "5", "pressure": "no", "doubtful_promise": "no",
          "improve_comment": "Listened well."}
LEAKS = ("Traceback", "SELECT", "INSERT", "psycopg", "sqlite", "sqlalchemy", "OperationalError")

on_postgres = _postgres_url() is not None


class Seeded:
    """A salesperson, a sent survey link and an API key in a fresh schema."""

    def __init__(self, app):
        self.app = app
        now = datetime.now(UTC)
        settings = app_settings.from_config(app.config)
        with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
            team = Team(name=f"Team {uuid.uuid4().hex[:6]}")
            session.add(team)
            self.user = accounts.create_user(
                session, email=f"ana.{uuid.uuid4().hex[:6]}@staff.example", name="Ana Lopez",
                role=Role.SALESPERSON, password=PASSWORD, team=team,
                hash_method="pbkdf2:sha256:1000")
            conversation = scheduling.ConversationInput(
                customer_email=f"pat.{uuid.uuid4().hex[:6]}@client.example",
                customer_name="Pat Customer", occurred_at=now - timedelta(hours=3),
                kind=EngagementKind.CALL)
            engagement = scheduling.log_engagement(session, self.user, conversation, settings)
            session.commit()
            claims = delivery.claim_batch(session, worker_id="test", settings=settings,
                                          now=now + settings.send_delay)
            [claim] = [c for c in claims if c.invitation_id == engagement.invitation.id]
            delivery.record_sent(session, claim, worker_id="test", settings=settings, now=now,
                                 progress={"attempts": 1, "first_attempt_at": now})
            _, self.api_key = api_keys.create(session, name="CRM", scopes=tuple(ApiScope))
            session.commit()
            self.invitation_id = engagement.invitation.id
            session.expunge_all()
        self.path = f"/s/{claim.raw_token}"
        self.token = claim.raw_token

    def api_body(self) -> dict:
        return {"external_id": f"crm-{uuid.uuid4().hex[:8]}", "salesperson_email": self.user.email,
                "customer_email": f"c.{uuid.uuid4().hex[:8]}@client.example",
                "customer_name": "Casey", "kind": "call",
                "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()}

    def count(self, model, *where) -> int:
        with self.app.app_context(), Session(db.engine) as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))

    def status(self) -> InvitationStatus:
        with self.app.app_context(), Session(db.engine) as session:
            return session.get(Invitation, self.invitation_id).status


def _assert_calm_503(response, *, json_code: str | None = None) -> None:
    assert response.status_code == 503
    assert 0 < int(response.headers["Retry-After"]) <= 60
    body = response.get_data(as_text=True)
    for leak in LEAKS:
        assert leak not in body, leak
    if json_code:
        assert response.get_json()["error"]["code"] == json_code
    else:
        assert "be right back" in body and "Nothing was changed" in body


def _app(uri: str, tmp_path):
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=uri, INSTANCE_DIR=str(tmp_path))


# ---------------------------------------------------------------- PostgreSQL: a real restart


@pytest.fixture(scope="module")
def cluster():
    if not on_postgres:
        pytest.skip("PostgreSQL only (the suite runs on SQLite): restarting a database server; "
                    "the SQLite analogue is test_a_locked_sqlite_database_is_503_not_500")
    reason = private_postgres.unavailable_reason()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster here: {reason}")
    with private_postgres.PrivateCluster() as started:
        yield started


@pytest.fixture(scope="module")
def restart_app(cluster, tmp_path_factory):
    app = _app(cluster.url, tmp_path_factory.mktemp("outage"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _back_after(client, cluster) -> float:
    """Start the cluster; seconds until /healthz says the app reaches it again."""
    cluster.start()
    started = time.monotonic()
    while time.monotonic() - started < 15:
        if client.get("/healthz").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("the app did not reach the database again within 15 s")


def test_a_database_restart_is_503_and_the_app_recovers_by_itself(cluster, restart_app, caplog):
    """Proves: while PostgreSQL is down every page answers a calm 503 with Retry-After (the
    survey page, a signed-in staff page, JSON for a JSON client, /healthz), a POST made
    meanwhile stores nothing, the log names no token and no SQL, and once the server is back
    the same app serves and stores again with no restart of its own (db_liveness)."""
    seeded = Seeded(restart_app)
    customer, staff = restart_app.test_client(), restart_app.test_client()
    form = customer.get(seeded.path)
    assert form.status_code == 200
    assert Auth(staff).login(seeded.user).status_code == 302
    assert staff.get("/me/conversations").status_code == 200

    cluster.stop("fast")
    try:
        with caplog.at_level(logging.WARNING):
            _assert_calm_503(customer.get(seeded.path))
            posted = customer.post(seeded.path, data={**ANSWER,
                                                      "csrf_token": csrf_from(form.text)})
            _assert_calm_503(posted)
            assert "Sign out" not in posted.text  # the survey's own layout
            page = staff.get("/me/conversations")
            _assert_calm_503(page)
            assert "Ana Lopez" not in page.text  # the user could not be loaded; none shown
            _assert_calm_503(staff.get("/me/conversations",
                                       headers={"Accept": "application/json"}),
                             json_code="database_unavailable")
            health = customer.get("/healthz")
            assert health.status_code == 503 and "Retry-After" in health.headers
            assert health.get_json()["database"] == "unreachable"
        assert "database unavailable on POST /s/<token>" in caplog.text
        assert seeded.token not in caplog.text
        assert "SELECT" not in caplog.text and "INSERT" not in caplog.text
    finally:
        recovered = _back_after(customer, cluster)
    assert recovered < 5

    # Nothing of the POST made while the database was down was stored.
    assert seeded.count(Response) == 0
    assert seeded.status() is InvitationStatus.SENT
    # The same clients work again: the pool replaced its dead connections by itself.
    assert staff.get("/me/conversations").status_code == 200
    form = customer.get(seeded.path)
    again = customer.post(seeded.path, data={**ANSWER, "csrf_token": csrf_from(form.text)})
    assert again.status_code == 303
    assert seeded.count(Response) == 1
    assert seeded.status() is InvitationStatus.ANSWERED


def test_a_connection_lost_after_the_page_was_made_is_not_a_500(cluster, restart_app,
                                                               tmp_path, caplog):
    """Proves a page whose queries all succeeded is still served when the database goes
    away before the request ends: the rollback that closes its read transaction then
    fails, and that failure must not turn a finished page into a 500 (under gunicorn it
    did: "Error handling request", a 500 for a GET that had rendered)."""
    app = _app(cluster.url, tmp_path)
    stop_now = {"armed": False}

    @app.after_request
    def _database_goes_away(response):  # after the view's queries, before teardown
        if stop_now["armed"]:
            stop_now["armed"] = False
            cluster.stop("fast")
        return response

    seeded = Seeded(app)
    client = app.test_client()
    try:
        stop_now["armed"] = True
        with caplog.at_level(logging.WARNING):
            page = client.get(seeded.path)
        assert page.status_code == 200 and 'name="respected"' in page.text
        # The failure this is about did happen, and was handled.
        assert "discarded a database session at the end of GET /s/<token>" in caplog.text
    finally:
        _back_after(client, cluster)
    assert client.get(seeded.path).status_code == 200
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_the_first_request_after_a_restart_succeeds(cluster, restart_app, mode):
    """Proves the pool never hands a request a connection the restarted server closed:
    with idle connections pooled from before, a restart between two requests (no request
    while it was down) costs the next request nothing: 200 for the survey page, a stored
    answer for its POST, a staff page, /healthz. Without a check at checkout each of
    those would be the first to find its connection dead, and answer 503."""
    seeded = Seeded(restart_app)
    customer, staff = restart_app.test_client(), restart_app.test_client()
    form = customer.get(seeded.path)
    assert Auth(staff).login(seeded.user).status_code == 302
    assert staff.get("/me/conversations").status_code == 200
    with restart_app.app_context():
        pooled = db.engine.pool.checkedin()
    assert pooled >= 1  # connections from before the restart are waiting in the pool

    cluster.stop(mode)
    cluster.start()

    assert customer.get("/healthz").status_code == 200
    assert customer.get(seeded.path).status_code == 200
    posted = customer.post(seeded.path, data={**ANSWER, "csrf_token": csrf_from(form.text)})
    assert posted.status_code == 303
    assert seeded.count(Response, Response.invitation_id == seeded.invitation_id) == 1
    assert staff.get("/me/conversations").status_code == 200


def test_the_api_answers_503_json_while_the_database_is_down(cluster, restart_app):
    """Proves an API client gets 503 {"error": {"code": "database_unavailable"}} with
    Retry-After, not a 500, and that the API works again once the database is back."""
    seeded = Seeded(restart_app)
    client = restart_app.test_client()
    headers = {"Authorization": f"Bearer {seeded.api_key}"}
    cluster.stop("fast")
    try:
        down = client.post("/api/v1/engagements", json=seeded.api_body(), headers=headers)
    finally:
        _back_after(client, cluster)
    _assert_calm_503(down, json_code="database_unavailable")
    created = client.post("/api/v1/engagements", json=seeded.api_body(), headers=headers)
    assert created.status_code == 201


# ---------------------------------------------------------------- SQLite: a locked database


@pytest.fixture
def locked_sqlite(tmp_path):
    """An app on its own SQLite file, waiting 0.2 s (not 5 s) for a lock, and a way to
    hold the write lock from another connection."""
    if on_postgres:
        pytest.skip("SQLite only: PostgreSQL waits for row locks without a timeout; its "
                    "outage is tested by restarting a private cluster")
    path = tmp_path / "locked.db"
    app = _app(f"sqlite:///{path}", tmp_path)
    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _short_wait(dbapi_connection, _record):  # runs after the app's own PRAGMAs
            dbapi_connection.execute("PRAGMA busy_timeout=200")

        db.create_all()
    holder = sqlite3.connect(path, timeout=5, isolation_level=None)
    yield app, holder
    holder.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_locked_sqlite_database_is_503_not_500(locked_sqlite):
    """Proves a write that cannot get SQLite's lock in time is a calm 503 with Retry-After
    that stores nothing, and that the next POST once the lock is free is stored."""
    app, holder = locked_sqlite
    seeded = Seeded(app)
    client = app.test_client()
    form = client.get(seeded.path)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        # Readers are not blocked (write-ahead log): the page still opens.
        assert client.get(seeded.path).status_code == 200
        posted = client.post(seeded.path, data={**ANSWER, "csrf_token": csrf_from(form.text)})
        _assert_calm_503(posted)
    finally:
        holder.execute("ROLLBACK")
    assert seeded.count(Response) == 0
    assert seeded.status() is InvitationStatus.SENT
    again = client.post(seeded.path, data={**ANSWER, "csrf_token": csrf_from(form.text)})
    assert again.status_code == 303
    assert seeded.count(Response) == 1 and seeded.status() is InvitationStatus.ANSWERED


def test_a_locked_sqlite_database_is_503_json_for_the_api(locked_sqlite):
    app, holder = locked_sqlite
    seeded = Seeded(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded.api_key}"}
    holder.execute("BEGIN IMMEDIATE")
    try:
        down = client.post("/api/v1/engagements", json=seeded.api_body(), headers=headers)
    finally:
        holder.execute("ROLLBACK")
    _assert_calm_503(down, json_code="database_unavailable")
    assert seeded.count(Engagement) == 1  # only the seeded one
    created = client.post("/api/v1/engagements", json=seeded.api_body(), headers=headers)
    assert created.status_code == 201


# ---------------------------------------------------------------- which errors mean "down"


def _operational(orig: Exception) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize(("error", "unavailable"), [
    (_operational(psycopg.OperationalError("connection failed: Connection refused")), True),
    (_operational(sqlite3.OperationalError("database is locked")), True),
    (_operational(sqlite3.OperationalError("unable to open database file")), True),
    (_operational(sqlite3.OperationalError("no such table: responses")), False),
    (_operational(sqlite3.OperationalError('near "SELEC": syntax error')), False),
    (sa_exc.DBAPIError("SELECT 1", {}, psycopg.InterfaceError("closed"),
                       connection_invalidated=True), True),
    (sa_exc.IntegrityError("INSERT", {}, psycopg.IntegrityError("duplicate")), False),
    (sa_exc.ProgrammingError("SELEC", {}, psycopg.ProgrammingError("syntax")), False),
    (sa_exc.TimeoutError("QueuePool limit reached"), True),
    (ValueError("no"), False),
])
def test_which_errors_are_503(error, unavailable):
    """Proves the line between "the database is unreachable or busy: 503, try again" and
    "a bug: 500": SQLite's OperationalError covers both, so its message decides."""
    assert is_database_unavailable(error) is unavailable
