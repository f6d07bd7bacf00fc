"""The links in the email: a mail scanner that opens every one of them changes nothing,
and they always start at BASE_URL, whatever Host the conversation was logged under."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from feedback.models import Invitation, InvitationStatus, Response, Suppression
from tests.conftest import PASSWORD, csrf_from
from tests.delivery.conftest import links_in, path_of

TOKEN = r"[A-Za-z0-9_-]{32}"


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_scanner_opening_every_link_records_nothing_and_unsubscribes_nobody(
        app, outbox, session, log_conversation, make_user, smtp_server, start):
    engagement = log_conversation(make_user(), email="rosa@client.example", now=start)
    assert outbox.run(start).sent == 1
    [received] = smtp_server.received
    links = links_in(received)
    paths = sorted(re.sub(TOKEN, "TOKEN", path_of(url)) for url in links)
    assert paths == ["/about-answers", "/s/TOKEN", "/s/TOKEN/delete",
                     *[f"/s/TOKEN?respected={n}" for n in range(1, 6)], "/u/TOKEN"]

    scanner = app.test_client()
    for url in links:
        for method in ("HEAD", "GET"):
            response = scanner.open(path_of(url), method=method)
            assert response.status_code == 200, (method, url)

    session.expire_all()
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.status is InvitationStatus.SENT and invitation.answered_at is None
    assert _count(session, Response) == 0
    assert _count(session, Suppression) == 0

    # The customer comes along later and answers: that works, and is recorded once.
    customer = app.test_client()
    form_url = path_of(next(u for u in links if u.endswith("respected=4")))
    form = customer.get(form_url)
    answered = customer.post(form_url.split("?")[0], data={
        "csrf_token": csrf_from(form.text), "respected": "4", "helped": "5",
        "pressure": "no", "doubtful_promise": "no"})
    assert answered.status_code == 303
    session.expire_all()
    assert session.scalar(select(Response.respected)) == 4
    assert session.get(Invitation, engagement.invitation.id).status is InvitationStatus.ANSWERED


def test_links_come_from_base_url_even_when_the_host_header_was_forged(
        app, outbox, session, make_user, smtp_server):
    ana = make_user()
    forged = app.test_client()
    evil = {"base_url": "http://evil.example",
            "headers": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}}
    page = forged.get("/login", **evil)
    forged.post("/login", data={"email": ana.email, "password": PASSWORD,
                                "csrf_token": csrf_from(page.text)}, **evil)
    page = forged.get("/me/conversations/new", **evil)
    assert page.status_code == 200
    occurred = datetime.now(UTC) - timedelta(hours=3)
    logged = forged.post("/me/conversations/new", data={
        "csrf_token": csrf_from(page.text), "customer_name": "Rosa Díaz",
        "customer_email": "rosa@client.example", "company": "Brightline",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "kind": "call"}, **evil)
    assert logged.status_code == 302
    assert _count(session, Invitation) == 1

    assert outbox.run(datetime.now(UTC) + timedelta(minutes=1)).sent == 1
    [received] = smtp_server.received
    assert b"evil" not in received.data
    links = links_in(received)
    assert len(links) == 9  # five ratings, the form, delete, unsubscribe, about
    mail = received.message
    every_url = re.findall(r"https?://[^\s\"<>]+", mail.get_body(("plain",)).get_content()
                           + mail.get_body(("html",)).get_content() + mail["List-Unsubscribe"])
    assert every_url and all(url.startswith("https://feedback.test/") for url in every_url)
