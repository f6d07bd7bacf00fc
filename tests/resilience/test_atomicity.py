"""A failure just before commit leaves nothing behind, shows a calm 500, and harms no
later request.

Each test fails the commit that writes `invitations` (the last piece of every change
here) once. If any earlier commit had stored part of the change (the conversation
without its invitation, the answer without its invitation's new status), that part
would be found afterwards.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from feedback.integrations import api_keys
from feedback.models import (
    ApiScope,
    Customer,
    Engagement,
    ImportRun,
    ImportStatus,
    Invitation,
    InvitationStatus,
    Response,
    ResponseRollup,
    Role,
)
from tests.conftest import csrf_from
from tests.integrations.api.conftest import Api
from tests.integrations.imports import pages
from tests.integrations.imports.conftest import csv_bytes, recent
from tests.resilience.faults import MARKER, CommitFault

#: Text that must never reach a response: a stack trace, SQL, the error's own words.
LEAKS = ("Traceback", "INSERT", "UPDATE", "invitations", "injected", "pat@client.example",
         "sqlalchemy", 'File "')


@pytest.fixture
def fail_commit(engine):
    """fail_commit(table) -> CommitFault: the next commit that wrote `table` raises."""
    faults: list[CommitFault] = []

    def arm(table: str = "invitations", error: Exception | None = None) -> CommitFault:
        faults.append(CommitFault(engine, table, error=error))
        return faults[-1]

    yield arm
    for fault in faults:
        fault.remove()


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _assert_calm_500(response) -> None:
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    for leak in LEAKS:
        assert leak not in body, leak
    assert MARKER not in body


def test_logging_a_conversation_through_the_page(client, auth, session, make_user, fail_commit):
    """Proves a conversation and its invitation are one transaction from the page."""
    auth.login(make_user(name="Ana Lopez"))
    fault = fail_commit()
    form = {"customer_name": "Pat Customer", "customer_email": "pat@client.example",
            "company": "Client Co", "kind": "call",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}

    def post():
        page = client.get("/me/conversations/new")
        return client.post("/me/conversations/new", data={**form, "csrf_token":
                                                          csrf_from(page.text)})

    failed = post()
    assert fault.fired == 1
    _assert_calm_500(failed)
    assert "Something went wrong on our side" in failed.text
    assert (_count(session, Engagement), _count(session, Invitation),
            _count(session, Customer)) == (0, 0, 0)

    again = post()  # the next request works, on the same pool
    assert again.status_code == 302
    assert (_count(session, Engagement), _count(session, Invitation)) == (1, 1)


def test_a_database_error_is_logged_without_its_sql_parameters(client, auth, make_user,
                                                              fail_commit, caplog):
    """Proves the 500 handler logs a database error's kind and where it happened, but not
    SQLAlchemy's message, which holds the statement's parameters (here an address)."""
    auth.login(make_user())
    statement = "INSERT INTO customers (email) VALUES (?)"
    fail_commit(error=sa_exc.IntegrityError(statement, {"email": "pat@client.example"},
                                            sqlite3.IntegrityError("UNIQUE failed")))
    page = client.get("/me/conversations/new")
    with caplog.at_level(logging.ERROR):
        failed = client.post("/me/conversations/new", data={
            "customer_name": "Pat", "customer_email": "pat@client.example", "kind": "call",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "csrf_token": csrf_from(page.text)})
    _assert_calm_500(failed)
    assert "unhandled IntegrityError (IntegrityError) on POST /me/conversations/new" in caplog.text
    assert "pat@client.example" not in caplog.text and "INSERT INTO" not in caplog.text


def test_answering_a_survey(app, client, session, make_user, survey_link, fail_commit):
    """Proves an answer, its invitation's status and its rollup count are one transaction."""
    engagement, token = survey_link(make_user())
    fault = fail_commit()
    answer = {"respected": "4", "helped": "5", "pressure": "no", "doubtful_promise": "no",
              "improve_comment": "Listened well.", "reveal_identity": "y"}

    def post():
        page = client.get(f"/s/{token}")
        return client.post(f"/s/{token}", data={**answer, "csrf_token": csrf_from(page.text)})

    failed = post()
    assert fault.fired == 1
    _assert_calm_500(failed)
    assert "Something went wrong on our side" in failed.text
    assert "Sign out" not in failed.text  # the survey's own layout, no staff navigation
    assert _count(session, Response) == 0
    assert session.get(Invitation, engagement.invitation.id).status is InvitationStatus.SENT
    assert not session.scalar(select(func.sum(ResponseRollup.answers)))

    again = post()
    assert again.status_code == 303
    assert _count(session, Response) == 1
    assert session.get(Invitation, engagement.invitation.id).status is InvitationStatus.ANSWERED
    assert session.scalar(select(func.sum(ResponseRollup.answers))) == 1


def test_creating_through_the_api(client, session, make_user, fail_commit):
    """Proves POST /engagements stores a conversation with its invitation or nothing."""
    seller = make_user()
    _, key = api_keys.create(session, name="CRM", scopes=tuple(ApiScope))
    session.commit()
    api = Api(client, key)
    fault = fail_commit()
    data = {"external_id": "crm-1", "salesperson_email": seller.email,
            "customer_email": "pat@client.example", "customer_name": "Pat Customer",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(), "kind": "call"}

    failed = api.post("/engagements", data)
    assert fault.fired == 1
    _assert_calm_500(failed)
    assert failed.get_json()["error"]["code"] == "internal_error"
    assert (_count(session, Engagement), _count(session, Invitation),
            _count(session, Customer)) == (0, 0, 0)

    again = api.post("/engagements", data)  # the same external_id: not "already there"
    assert again.status_code == 201
    assert (_count(session, Engagement), _count(session, Invitation)) == (1, 1)


def _upload(client, data: bytes):
    response = pages.upload(client, data)
    assert response.status_code == 303
    return response.headers["Location"]


def _finished(client, location: str) -> str:
    return pages.finished_page(client, location)


def test_importing_a_csv_file(client, auth, session, make_user, fail_commit):
    """Proves a chunk of imported rows lands with its invitations or not at all, and the
    admin sees a calm report of the stop, not an error's text."""
    seller = make_user(email="ana@staff.example")
    auth.login(make_user(Role.ADMIN))
    data = csv_bytes([
        [f"crm-{i}", seller.email, f"pat{i}@client.example", "Pat", "", recent(), "call"]
        for i in range(3)])
    fault = fail_commit()

    page = _finished(client, _upload(client, data))
    assert fault.fired == 1
    for leak in LEAKS:
        assert leak not in page, leak
    assert "stopped" in page and "importing again is safe" in page
    [run] = session.scalars(select(ImportRun)).all()
    assert run.status is ImportStatus.FAILED
    assert (_count(session, Engagement), _count(session, Invitation),
            _count(session, Customer)) == (0, 0, 0)

    page = _finished(client, _upload(client, data))
    assert "stopped" not in page
    assert (_count(session, Engagement), _count(session, Invitation)) == (3, 3)
