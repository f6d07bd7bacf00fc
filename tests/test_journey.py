"""The whole journey: log a conversation, the worker mails it, the customer answers,
the salesperson reads it, and nobody else does."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from feedback.core.extensions import db
from feedback.delivery.worker import send_due
from feedback.models import InvitationStatus, Response
from tests.conftest import checked_value, csrf_from

LINK = re.compile(r"https://feedback\.test(/s/[A-Za-z0-9_-]{32})")


def test_conversation_to_feedback_end_to_end(app, client, auth, make_user, smtp_server):
    ana = make_user(name="Ana Lopez")
    bob = make_user(name="Bob Other")
    # Anonymous answers are released in batches; a named one appears at once.
    auth.login(ana)
    page = client.get("/me/conversations/new")
    occurred = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/me/conversations/new", data={
        "csrf_token": csrf_from(page.text), "customer_name": "Rosa Díaz",
        "customer_email": "Rosa@Client.example", "company": "Brightline",
        "occurred_at": occurred, "kind": "demo"})
    assert response.status_code == 302
    assert "Rosa Díaz" in client.get("/me/conversations").text

    result = send_due(app)
    assert result.sent == 1
    [received] = smtp_server.received
    assert received.recipients == ["rosa@client.example"]
    mail = received.message
    assert mail["From"].addresses[0].display_name == "Ana Lopez via Acme"
    assert mail["Reply-To"] == ana.email
    body = mail.get_body(preferencelist=("plain",)).get_content()
    survey_path = LINK.search(body).group(1)

    customer = app.test_client()
    form = customer.get(survey_path + "?respected=4")
    assert form.status_code == 200
    assert checked_value(form.text, "respected") == "4"
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0  # GET records nothing

    answered = customer.post(survey_path, data={
        "csrf_token": csrf_from(form.text), "respected": "4", "helped": "5",
        "pressure": "no", "doubtful_promise": "no",
        "improve_comment": "Send the summary sooner.", "reveal_identity": "y"})
    assert answered.status_code == 303
    thanks = customer.get(answered.headers["Location"])
    assert "Thank you" in thanks.text

    feed = client.get("/me/feedback")
    assert "Send the summary sooner." in feed.text
    assert "Rosa Díaz" in feed.text

    auth.logout()
    auth.login(bob)
    other = client.get("/me/feedback")
    assert other.status_code == 200
    assert "Send the summary sooner." not in other.text
    assert "Rosa" not in other.text

    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1
        response_row = db.session.scalars(select(Response)).one()
        assert response_row.invitation.status is InvitationStatus.ANSWERED
