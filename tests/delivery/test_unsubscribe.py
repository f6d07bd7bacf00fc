"""RFC 8058 one-click unsubscribe: the headers on every email, a POST that works with no
cookies and no CSRF token, honoured forever; a GET that only asks."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from feedback.models import Invitation, InvitationStatus, SkipReason, Suppression, SuppressionReason
from tests.delivery.conftest import path_of

ONE_CLICK = re.compile(
    r"^<(https://feedback\.test/u/[A-Za-z0-9_-]{32})>, <mailto:([^>?]+)\?subject=unsubscribe>$")


def _one_click_url(received, settings) -> str:
    mail = received.message
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = ONE_CLICK.match(mail["List-Unsubscribe"])
    assert match, mail["List-Unsubscribe"]
    assert match.group(2) == settings.from_address
    return match.group(1)


def _suppressions(session) -> list[tuple[str, SuppressionReason]]:
    return session.execute(select(Suppression.email, Suppression.reason)).all()


def test_every_email_carries_one_click_unsubscribe_headers(
        outbox, log_conversation, make_user, smtp_server, settings, start):
    log_conversation(make_user(), email="rosa@client.example", now=start)
    outbox.run(start)
    outbox.run(start + settings.reminder_after)
    survey, reminder = smtp_server.received
    assert reminder.message["Subject"].startswith("A gentle reminder")
    first, second = _one_click_url(survey, settings), _one_click_url(reminder, settings)
    assert first != second  # each email its own token; either one unsubscribes


def test_one_click_post_without_cookies_or_csrf_unsubscribes_forever(
        app, outbox, session, log_conversation, make_user, smtp_server, settings, start):
    address = "rosa@client.example"
    engagement = log_conversation(make_user(), email=address, now=start)
    outbox.run(start)
    url = _one_click_url(smtp_server.received[0], settings)

    # What a mail provider sends: a bare POST, no cookies, no token, no Referer.
    provider = app.test_client(use_cookies=False)
    response = provider.post(path_of(url), data="List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert _suppressions(session) == [(address, SuppressionReason.UNSUBSCRIBED)]
    assert provider.post(path_of(url), data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded").status_code == 200
    assert _suppressions(session) == [(address, SuppressionReason.UNSUBSCRIBED)]

    # The pending reminder is not sent.
    assert outbox.run(start + settings.reminder_after).sent == 0
    session.expire_all()
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.status is InvitationStatus.SENT and invitation.reminder_sent_at is None
    assert invitation.send_at is None

    # Forever: another salesperson, more than a year later, is told why not.
    later = start + timedelta(days=400)
    again = log_conversation(make_user(), email=address, now=later,
                             occurred_at=later - timedelta(hours=1))
    assert again.invitation.status is InvitationStatus.SKIPPED
    assert again.invitation.skip_reason is SkipReason.UNSUBSCRIBED
    assert outbox.run(later + timedelta(hours=3)).claimed == 0
    assert len(smtp_server.received) == 1


def test_get_and_head_on_the_unsubscribe_link_only_ask(
        app, outbox, session, log_conversation, make_user, smtp_server, settings, start):
    log_conversation(make_user(), email="rosa@client.example", now=start)
    outbox.run(start)
    path = path_of(_one_click_url(smtp_server.received[0], settings))

    visitor = app.test_client()
    assert visitor.head(path).status_code == 200
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Stop these emails?" in page.text
    assert f'<form method="post" action="{path}">' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert session.scalar(select(func.count(Suppression.id))) == 0

    # The button on that page is the same POST, and it works.
    done = visitor.post(path)
    assert done.status_code == 200 and "Done" in done.text
    assert _suppressions(session) == [("rosa@client.example", SuppressionReason.UNSUBSCRIBED)]
