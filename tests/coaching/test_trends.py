"""My trends: my own answers per period, Wilson bands, gaps for too few answers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from feedback.coaching import trends
from feedback.models import Period, Pressure
from tests.coaching.helpers import released_answer, this_monday

WEEK = timedelta(weeks=1)


@pytest.mark.parametrize(("yes", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),   # textbook values for 80% of 10
    (0, 10, 0.0, 0.2775),      # never below 0
    (10, 10, 0.7225, 1.0),     # never above 1
    (1, 3, 0.0615, 0.7923),
])
def test_wilson_interval(yes, n, low, high):
    got_low, got_high = trends.wilson(yes, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_period_starts_cover_the_span_ending_now():
    today = date(2026, 3, 4)  # a Wednesday
    weeks = trends.period_starts(Period.WEEK, 3, today)
    assert weeks == [date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)]
    months = trends.period_starts(Period.MONTH, 4, today)
    assert months == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def test_weekly_points_gaps_and_counts(session, make_user):
    ana = make_user()
    monday = this_monday()
    # This week: 4 answers, 3 of them "respected" 4-5. Last week: only 2 (too few).
    for respected in (5, 4, 4, 2):
        released_answer(session, ana, week=monday, respected=respected,
                        pressure=Pressure.YES if respected == 2 else Pressure.NO)
    for _ in range(2):
        released_answer(session, ana, week=monday - WEEK, respected=5)
    unreleased = released_answer(session, ana, week=monday, respected=1)
    unreleased.released_at = None
    session.commit()

    result = trends.my_trends(session, ana, Period.WEEK, 12, today=monday)
    respected = result.series[0]
    assert respected.question.key == "respected" and len(respected.points) == 12
    now, before = respected.points[-1], respected.points[-2]
    assert (now.answers, now.yes, now.share) == (4, 3, 0.75)
    assert now.mean == pytest.approx(15 / 4)
    assert (now.low, now.high) == pytest.approx(trends.wilson(3, 4))
    assert before.answers == 2 and not before.enough and before.share is None
    assert before.mean is None  # no number at all for a period with too few answers
    pressured = {s.question.key: s for s in result.series}["pressured"]
    assert pressured.points[-1].yes == 1 and pressured.points[-1].mean is None
    assert result.total_answers == 6


def test_monthly_points_use_the_conversation_month(session, make_user):
    ana = make_user()
    # A week that starts in one month can hold conversations of the next.
    week = date(2026, 6, 29)  # Monday; its Tuesday is 30 June, still June
    for _ in range(3):
        released_answer(session, ana, week=week, helped=5)
    result = trends.my_trends(session, ana, Period.MONTH, 6, today=date(2026, 7, 15))
    helped = {s.question.key: s for s in result.series}["helped"]
    june, july = helped.points[-2], helped.points[-1]
    assert (june.start, june.answers, june.share) == (date(2026, 6, 1), 3, 1.0)
    assert july.answers == 0


def test_an_unknown_span_falls_back_to_the_default(session, make_user):
    ana = make_user()
    assert trends.my_trends(session, ana, Period.WEEK, 999).span == trends.SPANS[Period.WEEK][0]


def test_only_my_own_answers_count(session, make_user):
    ana, ben = make_user(), make_user()
    for _ in range(5):
        released_answer(session, ben, respected=1)
    assert trends.my_trends(session, ana).total_answers == 0


def test_the_page_draws_accessible_svg_with_a_table_and_no_team_average(client, auth, session,
                                                                       make_user):
    ana = make_user()
    monday = this_monday()
    for _ in range(3):
        released_answer(session, ana, week=monday, respected=5)
    released_answer(session, ana, week=monday - WEEK, respected=5)
    auth.login(ana)
    page = client.get("/me/trends").text
    assert page.count("<svg") == len(trends.QUESTIONS)
    assert "<script" not in page and "http://" not in page.split("<svg", 1)[1]
    svg = re.search(r"<svg[^>]*>", page).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-respected-title chart-respected-desc"' in svg
    assert '<title id="chart-respected-title">' in page
    assert '<desc id="chart-respected-desc">' in page
    assert "too few answers" in page  # last week: 1 answer
    assert "<table" in page and "100% <span class=\"muted\">(3 of 3)</span>" in page
    lowered = page.lower()
    assert "team average" not in lowered.replace("no team average", "")
    assert "colleague" not in lowered


def test_monthly_view_and_bad_query_values(client, auth, make_user):
    auth.login(make_user())
    monthly = client.get("/me/trends?period=month&span=24")
    assert monthly.status_code == 200 and "Month" in monthly.text
    assert client.get("/me/trends?period=year&span=x").status_code == 200
