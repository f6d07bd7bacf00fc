"""What the survey page keeps between requests: nothing about the visitor, no staff login,
no error marks from someone else's form, and (on SQLite) a queue for the one writer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from feedback.core.extensions import db
from feedback.models import Response
from feedback.survey import writers
from tests.conftest import checked_value, csrf_from

GOOD = {"respected": "4", "helped": "3", "pressure": "a_little", "doubtful_promise": "no"}


@pytest.fixture
def url(make_user, survey_link):
    _, token = survey_link(make_user(name="Ana Lopez"))
    return f"/s/{token}"


def test_a_second_visit_sets_no_cookie(client, url):
    """Proves a return visit costs no cookie: the session is not rewritten and no staff
    login cookie is touched (Flask-Login's "strong" session protection would do both on
    every request, as it did before sessions moved to the server)."""
    first = client.get(url)
    assert first.status_code == 200 and first.headers.getlist("Set-Cookie")
    again = client.get(url + "?respected=3")
    assert again.status_code == 200
    assert again.headers.getlist("Set-Cookie") == []


def test_a_signed_in_colleague_opening_a_link_stays_signed_in(client, auth, make_user, url):
    """Proves the survey page ignores a staff login in the same browser (no staff navigation
    on the customer's page) and leaves that login working."""
    colleague = make_user(name="Ben Colleague")
    assert auth.login(colleague).status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and "Sign out" not in page.text
    assert client.get("/me/conversations").status_code == 200


def test_error_marks_do_not_follow_the_next_visitor(app, client, url, make_user, survey_link):
    """Proves the reused HTML for the questions never carries one visitor's errors or
    choices to another's form."""
    wrong = client.post(url, data={**GOOD, "respected": "9",
                                   "csrf_token": csrf_from(client.get(url).text)})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and 'id="respected-errors"' in wrong.text
    assert checked_value(wrong.text, "helped") == "3"
    _, other = survey_link(make_user(name="Cleo Other"))
    fresh = app.test_client().get(f"/s/{other}")
    assert "aria-invalid" not in fresh.text and 'class="errors"' not in fresh.text
    assert checked_value(fresh.text, "respected") is None
    assert checked_value(fresh.text, "helped") is None


def test_answers_queue_for_the_sqlite_writer_lock(app, client, session, url):
    """Proves a survey POST on SQLite waits in the writers' queue while another writer
    holds it, and stores its answer as soon as that writer is done."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL queues writers with row locks; the queue file is SQLite's")
    form = {**GOOD, "csrf_token": csrf_from(client.get(url).text)}
    outcome: list[int] = []
    with writers.one_writer_at_a_time(engine):
        answering = threading.Thread(target=lambda: outcome.append(
            client.post(url, data=form).status_code))
        answering.start()
        answering.join(timeout=0.5)
        assert answering.is_alive(), "the answer should wait for the writer ahead of it"
        assert session.scalar(select(func.count(Response.id))) == 0
    answering.join(timeout=10)
    assert outcome == [303]
    assert session.scalar(select(func.count(Response.id))) == 1


def test_only_a_sqlite_file_has_a_queue(app):
    """Proves PostgreSQL and in-memory SQLite take no file lock, and a SQLite file's queue
    sits next to it."""
    from sqlalchemy import create_engine

    memory = create_engine("sqlite://")
    assert writers.queue_file(memory) is None
    assert writers.queue_file(create_engine("sqlite:////srv/feedback.db")) == (
        "/srv/feedback.db.writers")
    assert writers.queue_file(create_engine("postgresql+psycopg://u@h/db")) is None
    memory.dispose()
