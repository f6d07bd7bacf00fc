"""Chart geometry: lines never cross a gap, bands follow the interval, labels don't crowd."""

from __future__ import annotations

from datetime import date, timedelta

from feedback.coaching import trends
from feedback.core import charts
from feedback.models import Period


def _series(counts: list[tuple[int, int]]) -> trends.Series:
    question = trends.QUESTIONS[0]
    points = []
    for i, (yes, n) in enumerate(counts):
        start = date(2026, 1, 5) + timedelta(weeks=i)
        if n < trends.MIN_ANSWERS:
            points.append(trends.Point(start, "l", "long", n, yes, None, None, None, None))
        else:
            low, high = trends.wilson(yes, n)
            points.append(trends.Point(start, "l", f"week {i}", n, yes, yes / n, low, high, 4.0))
    return trends.Series(question, Period.WEEK, points)


def test_a_gap_splits_the_line_and_a_lone_point_gets_a_whisker():
    chart = charts.line_chart(_series([(3, 4), (4, 4), (1, 2), (2, 3), (0, 0), (5, 5), (4, 5)]),
                              "c")
    assert len(chart.lines) == 2          # [0,1] and [5,6]; point 3 stands alone
    assert len(chart.bands) == 2
    assert len(chart.dots) == 5
    assert len(chart.whiskers) == 1
    gaps = [c for c in chart.columns if not c.enough]
    assert [c.answers for c in gaps] == [2, 0]


def test_values_map_to_the_plot_and_bands_contain_the_line():
    chart = charts.line_chart(_series([(5, 5), (0, 5)]), "c")
    (x1, y_full), (x2, y_none) = chart.dots
    assert y_full == chart.plot_top and y_none == chart.plot_bottom
    assert x1 < x2
    band = [tuple(map(float, p.split(","))) for p in chart.bands[0].split()]
    upper, lower = band[:2], band[2:][::-1]
    for (_, high), (_, low), (_, y) in zip(upper, lower, chart.dots, strict=True):
        assert high <= y <= low  # SVG y grows downwards


def test_labels_thin_out_but_the_latest_period_is_always_named():
    chart = charts.line_chart(_series([(0, 0)] * 52), "c")
    shown = [c for c in chart.columns if c.show_label]
    assert chart.columns[-1].show_label
    assert 5 <= len(shown) < 20
    assert not chart.show_counts  # 52 columns: counts go to the table only


def test_the_description_says_what_is_drawn():
    text = charts.describe(_series([(1, 2), (3, 4)]))
    assert "1 of 2 weeks had at least 3 answers" in text
    assert "75% (95% range" in text and "from 4 answers" in text
