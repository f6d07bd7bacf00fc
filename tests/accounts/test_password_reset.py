"""Forgot-password: the same answer whether or not an account exists, an email with a
single-use link that expires within the hour, and only the link's hash in the database."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import func, select

from feedback.accounts import links as account_links
from feedback.core import clock
from feedback.models import AccountLink, Role
from tests.conftest import csrf_from


def _ask(client, email: str):
    page = client.get("/account/forgot-password")
    response = client.post("/account/forgot-password", buffered=True,
                           data={"email": email, "csrf_token": csrf_from(page.text)})
    return response


def _wait_for_messages(smtp_server, count: int, timeout: float = 5.0):
    """The messages received, once there are `count` (the email goes after the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(smtp_server.received) < count:
        time.sleep(0.05)
    return [received.message for received in smtp_server.received]


def _link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://feedback\.test(/account/set-password/[A-Za-z0-9_-]+)",
                     body).group(1)


def test_a_reset_link_arrives_works_once_and_ends_other_sessions(app, client, make_user,
                                                                 smtp_server, session):
    user = make_user()
    response = _ask(client, user.email.upper())
    assert response.status_code == 302
    assert response.location.endswith("/account/forgot-password/sent")
    [message] = _wait_for_messages(smtp_server, 1)
    assert message["To"] == user.email
    assert "Someone (we hope you) asked" in message.get_body(("plain",)).get_content()
    url = _link_in(message)
    raw = url.rsplit("/", 1)[1]
    stored = session.scalars(select(AccountLink.token_hash)).all()
    assert stored and raw not in stored[0], "only a hash of the link is kept"

    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = client.post(url, data={"password": "my fresh passphrase",
                                  "confirm": "my fresh passphrase",
                                  "csrf_token": csrf_from(page.text)})
    assert done.status_code == 302
    # Single use.
    assert client.get(url).status_code == 404
    from tests.conftest import Auth

    assert Auth(app.test_client()).login(user, "my fresh passphrase").status_code == 302


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_email(
        app, make_user, smtp_server):
    real = make_user()
    gone = make_user(active=False)
    answers = []
    for email in (real.email, "nobody@staff.example", gone.email):
        client = app.test_client()
        response = _ask(client, email)
        followed = client.get(response.location)
        answers.append((response.status_code, response.location, followed.text))
    assert answers[0] == answers[1] == answers[2]
    messages = _wait_for_messages(smtp_server, 1)
    time.sleep(0.3)  # give a wrongly sent second email time to arrive
    assert [m["To"] for m in messages] == [real.email]


def test_a_self_service_link_expires_within_the_hour(session, make_user):
    user = make_user()
    now = clock.now()
    link = account_links.request_reset(session, user.email, now=now)
    session.commit()
    assert link.expires_at - now == timedelta(hours=1)
    account_links.find(session, link.raw_token, now=now + timedelta(minutes=59))
    try:
        account_links.find(session, link.raw_token, now=now + timedelta(minutes=61))
    except account_links.LinkInvalid:
        pass
    else:
        raise AssertionError("an hour-old self-service link must not work")


def test_asking_again_replaces_the_earlier_link(session, make_user):
    user = make_user(Role.MANAGER)
    first = account_links.request_reset(session, user.email)
    second = account_links.request_reset(session, user.email)
    session.commit()
    assert session.scalar(select(func.count()).select_from(AccountLink)) == 1
    account_links.find(session, second.raw_token)
    try:
        account_links.find(session, first.raw_token)
    except account_links.LinkInvalid:
        pass
    else:
        raise AssertionError("the earlier link must stop working")


def test_reset_requests_are_throttled_per_address(app, make_user, smtp_server):
    user = make_user()
    client = app.test_client()
    statuses = [_ask(client, user.email).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(_wait_for_messages(smtp_server, 3)) == 3
