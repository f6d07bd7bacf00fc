"""Team trends as pictures: the shown cells drawn by feedback.core.charts, hidden ones as gaps.

A hidden cell becomes a point with no value and no count (the chart shows it as a
grey "not enough yet" column); the description says which thresholds apply.
"""

from __future__ import annotations

import dataclasses

from feedback.coaching import trends
from feedback.core import charts
from feedback.models import Period
from feedback.team.aggregates import Cell, Thresholds

#: trends.QUESTIONS key -> Cell attribute.
_SHARE = {"respected": "respected", "helped": "helped", "pressured": "pressured",
          "doubted": "doubted_promise"}


def pictures(period: Period, cells: list[Cell],
             thresholds: Thresholds) -> list[tuple[trends.Series, charts.Chart]]:
    """One chart per question over `cells` (given newest first, drawn oldest first)."""
    drawn = []
    for question in trends.QUESTIONS:
        series = trends.Series(question, period, [_point(c, question) for c in cells[::-1]])
        drawn.append((series, _chart(series, thresholds)))
    return drawn


def _point(cell: Cell, question: trends.Question) -> trends.Point:
    if not cell.shown:
        return trends.Point(cell.start, cell.label, cell.long_label, 0, 0, None, None, None,
                            None)
    share = getattr(cell, _SHARE[question.key])
    yes = round(share * cell.answers)
    low, high = trends.wilson(yes, cell.answers)
    return trends.Point(cell.start, cell.label, cell.long_label, cell.answers, yes, share,
                        low, high, None)


def _chart(series: trends.Series, thresholds: Thresholds) -> charts.Chart:
    chart = charts.line_chart(series, f"chart-{series.question.key}")
    kind = series.period.value
    shown = [p for p in series.points if p.enough]
    desc = (f"{series.question.title}: {series.question.measure}, for the team, by {kind}, "
            f"over the last {len(series.points)} {kind}s. {len(shown)} of them had enough "
            f"answers to show (at least {thresholds.answers} answers about at least "
            f"{thresholds.people} salespeople).")
    if shown:
        desc += f" Latest shown, {shown[-1].long_label}: {round(shown[-1].share * 100)}%."
    return dataclasses.replace(chart, desc=desc)
