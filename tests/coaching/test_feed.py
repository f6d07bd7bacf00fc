"""My feedback: newest first, filterable by period and question, names only where allowed."""

from __future__ import annotations

import re
from datetime import timedelta

from feedback import privacy
from feedback.models import Pressure
from feedback.privacy import FeedbackFilter, Show
from tests.coaching.helpers import released_answer, this_monday

WEEK = timedelta(weeks=1)


def _comments(html: str) -> list[str]:
    return re.findall(r'<blockquote class="quote">([^<]*)</blockquote>', html)


def test_newest_week_first_and_names_only_where_allowed(client, auth, session, make_user):
    ana = make_user()
    monday = this_monday()
    released_answer(session, ana, week=monday - 5 * WEEK, comment="oldest")
    released_answer(session, ana, week=monday, comment="newest", named=True,
                    customer_name="Rosa Díaz", company="Brightline")
    released_answer(session, ana, week=monday - 2 * WEEK, comment="middle",
                    customer_name="Hidden Person", company="Hidden Co")
    auth.login(ana)
    page = client.get("/me/feedback").text
    assert _comments(page) == ["newest", "middle", "oldest"]
    assert "Rosa Díaz" in page and "Brightline" in page
    assert "Hidden Person" not in page and "Hidden Co" not in page


def test_period_filters_count_conversation_weeks(client, auth, session, make_user):
    ana = make_user()
    monday = this_monday()
    for weeks_ago, comment in ((0, "this week"), (3, "three weeks ago"), (4, "four weeks ago"),
                               (12, "twelve weeks ago"), (13, "thirteen weeks ago"),
                               (60, "long ago")):
        released_answer(session, ana, week=monday - weeks_ago * WEEK, comment=comment)
    auth.login(ana)
    assert _comments(client.get("/me/feedback?period=4w").text) == [
        "this week", "three weeks ago"]
    assert _comments(client.get("/me/feedback?period=3m").text)[-1] == "twelve weeks ago"
    assert "long ago" not in _comments(client.get("/me/feedback?period=12m").text)
    assert len(_comments(client.get("/me/feedback?period=all").text)) == 6
    custom = client.get("/me/feedback", query_string={
        "period": "custom", "from_day": str(monday - 13 * WEEK + timedelta(days=3)),
        "to_day": str(monday - 4 * WEEK + timedelta(days=6))}).text
    assert _comments(custom) == ["four weeks ago", "twelve weeks ago", "thirteen weeks ago"]


def test_question_filters(session, make_user):
    ana = make_user()
    released_answer(session, ana, comment="calm", respected=5, helped=5)
    released_answer(session, ana, pressure=Pressure.A_LITTLE, respected=4)
    released_answer(session, ana, doubtful=True, promise_note="the API?")
    released_answer(session, ana, respected=2, helped=1)

    def shown(show: Show) -> int:
        return len(privacy.my_feedback(session, ana, FeedbackFilter(show=show)))

    assert shown(Show.ALL) == 4
    assert shown(Show.COMMENTS) == 2  # a comment, or a note about the promise
    assert shown(Show.PRESSURED) == 1
    assert shown(Show.DOUBTED) == 1
    assert shown(Show.LOW_RESPECTED) == 1
    assert shown(Show.LOW_HELPED) == 1


def test_nonsense_filters_show_everything_rather_than_fail(client, auth, session, make_user):
    ana = make_user()
    released_answer(session, ana, comment="still here")
    auth.login(ana)
    for query in ("period=forever", "show=drop+table", "period=custom&from_day=yesterday",
                  "page=-3", "page=x"):
        page = client.get(f"/me/feedback?{query}")
        assert page.status_code == 200, query
        assert "still here" in page.text, query


def test_long_feeds_come_in_pages(client, auth, session, make_user):
    ana = make_user()
    for i in range(55):
        released_answer(session, ana, comment=f"c{i}", commit=False)
    session.commit()
    auth.login(ana)
    first = client.get("/me/feedback").text
    assert len(_comments(first)) == 50 and "55 answers, showing 1–50" in first
    second = client.get("/me/feedback?page=2").text
    assert len(_comments(second)) == 5
    assert not set(_comments(first)) & set(_comments(second))


def test_unreleased_answers_are_not_shown_but_counted_as_waiting(client, auth, session,
                                                                 make_user):
    ana = make_user()
    waiting = released_answer(session, ana, comment="not yet")
    waiting.released_at = None
    session.commit()
    auth.login(ana)
    page = client.get("/me/feedback").text
    assert "not yet" not in page
    assert "1 anonymous answer is waiting" in page


def test_the_feed_is_nobody_elses(client, auth, session, make_user):
    ana, ben = make_user(), make_user()
    released_answer(session, ana, comment="for Ana only")
    auth.login(ben)
    assert "for Ana only" not in client.get("/me/feedback").text
