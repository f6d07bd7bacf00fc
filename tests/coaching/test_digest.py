"""The weekly digest: my own new feedback, once a week, opt-out, through the real SMTP path."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedback.cli.digests import send_digests, send_digests_command
from feedback.coaching import digest
from feedback.models import Role, User
from tests.coaching.helpers import released_answer
from tests.conftest import checked_value


def _text(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def _html(received) -> str:
    return received.message.get_body(preferencelist=("html",)).get_content()


def _last_digest(session, user) -> datetime | None:
    session.expire_all()
    return session.scalar(select(User.last_digest_at).where(User.id == user.id))


def test_one_digest_a_week_with_counts_excerpts_and_a_link(app, session, make_user,
                                                           smtp_server):
    ana = make_user(name="Ana Lopez")
    released_answer(session, ana, respected=5, helped=2, comment="Send   the summary sooner.")
    released_answer(session, ana, respected=4, named=True, customer_name="Rosa Díaz",
                    comment="x" * 400)
    released_answer(session, ana, respected=1, doubtful=True, promise_note="SSO?")
    now = datetime.now(UTC)

    run = send_digests(app, now)
    assert (run.sent, run.failed) == (1, 0)
    [received] = smtp_server.messages_to(ana.email)
    assert received.message["Subject"] == "Your feedback this week: 3 new answers"
    assert received.message["Auto-Submitted"] == "auto-generated"
    year, week, _ = now.isocalendar()
    assert received.message_id.startswith(f"<digest.{ana.id}.{year}-W{week:02d}@")
    text = _text(received)
    assert "Hi Ana," in text
    assert re.search(r"Felt respected \(4 or 5 of 5\): +2 of 3", text)
    assert re.search(r"Doubted a promise: +1 of 3", text)
    assert "“Send the summary sooner.”" in text  # whitespace tidied
    assert "x" * 159 + "…" in text  # long comments are cut short
    assert "Rosa" not in text and "Rosa" not in _html(received)  # no names in an inbox
    assert "https://feedback.test/me/feedback" in text
    assert 'href="https://feedback.test/me/settings"' in _html(received)
    assert _last_digest(session, ana) == now

    # The same week again: nothing twice, even with new feedback.
    released_answer(session, ana, comment="later the same week")
    later = min(now + timedelta(hours=1), digest.week_began(now) + timedelta(days=7, seconds=-1))
    assert send_digests(app, later).sent == 0
    assert len(smtp_server.messages_to(ana.email)) == 1


def test_next_week_only_what_is_new_and_nothing_when_nothing_is(app, session, make_user,
                                                                smtp_server):
    ana = make_user()
    first = datetime.now(UTC)
    released_answer(session, ana, released_at=first - timedelta(hours=1), comment="old news")
    assert send_digests(app, first).sent == 1

    next_week = first + timedelta(days=7)
    assert send_digests(app, next_week).nothing_new == 1
    assert len(smtp_server.messages_to(ana.email)) == 1
    assert _last_digest(session, ana) == first  # still free to send later this week

    released_answer(session, ana, released_at=next_week - timedelta(hours=1), comment="new")
    assert send_digests(app, next_week).sent == 1
    latest = _text(smtp_server.messages_to(ana.email)[-1])
    assert "1 new answer from your customers since your last digest" in latest
    assert "“new”" in latest and "old news" not in latest


def test_opting_out_in_settings_stops_the_digest(app, client, auth, post_form, session,
                                                 make_user, smtp_server):
    ana = make_user()
    released_answer(session, ana, comment="hello")
    auth.login(ana)
    assert checked_value(client.get("/me/settings").text, "weekly_digest") == "y"
    assert post_form("/me/settings", {}).status_code == 302  # the box unticked
    session.expire_all()
    assert session.get(User, ana.id).weekly_digest is False
    assert send_digests(app).sent == 0
    assert smtp_server.messages_to(ana.email) == []

    post_form("/me/settings", {"weekly_digest": "y"})
    assert send_digests(app).sent == 1


def test_a_refused_digest_is_given_back_for_the_next_run(app, session, make_user, smtp_server):
    ana = make_user()
    released_answer(session, ana)
    smtp_server.behaviour.rcpt_replies[ana.email] = "451 4.3.0 try later"
    now = datetime.now(UTC)
    assert send_digests(app, now).failed == 1
    assert _last_digest(session, ana) is None

    smtp_server.behaviour.rcpt_replies.clear()
    assert send_digests(app, now + timedelta(minutes=10)).sent == 1
    assert len(smtp_server.messages_to(ana.email)) == 1


def test_only_active_salespeople_get_digests(app, session, make_user, smtp_server):
    gone = make_user(active=False)
    released_answer(session, gone)
    manager = make_user(Role.MANAGER)
    assert send_digests(app).sent == 0
    assert smtp_server.received == []
    assert _last_digest(session, manager) is None


def test_the_flask_command(app, session, make_user, smtp_server):
    ana = make_user()
    released_answer(session, ana)
    result = app.test_cli_runner().invoke(send_digests_command)
    assert result.exit_code == 0, result.output
    assert "digests sent 1, nothing new 0, failed 0" in result.output
    assert len(smtp_server.messages_to(ana.email)) == 1
