"""My trends: my own answers over time, per question, with honest uncertainty.

Only the viewer's own released answers, compared only with their own past: no team
average, no colleague, no ranking. A period with fewer than MIN_ANSWERS answers gets
no value at all (it is drawn as a gap), because one or two answers say little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from feedback import privacy
from feedback.core import clock
from feedback.models import Period, User

#: Fewer answers than this in a period: no point, a gap labelled "too few answers".
MIN_ANSWERS = 3
#: 95% two-sided normal quantile, for the Wilson score interval.
Z95 = 1.959963984540054
#: How many periods a chart may cover, per period kind; the first is the default.
SPANS = {Period.WEEK: (26, 12, 52), Period.MONTH: (12, 6, 24)}


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    #: What the plotted share counts, in words.
    measure: str
    #: For the 1-5 questions, the mean is shown alongside the share.
    has_mean: bool = False


QUESTIONS = (
    Question("respected", "Felt respected", "share of answers 4 or 5 (of 5)", has_mean=True),
    Question("helped", "Felt helped", "share of answers 4 or 5 (of 5)", has_mean=True),
    Question("pressured", "Felt pressured", "share answering “a little” or “yes”"),
    Question("doubted", "Doubted a promise", "share unsure something promised exists"),
)


@dataclass(frozen=True)
class Point:
    start: date
    label: str
    long_label: str
    answers: int
    yes: int
    #: None when the period has fewer than MIN_ANSWERS answers.
    share: float | None
    low: float | None
    high: float | None
    mean: float | None

    @property
    def enough(self) -> bool:
        return self.share is not None


@dataclass(frozen=True)
class Series:
    question: Question
    period: Period
    points: list[Point]


@dataclass(frozen=True)
class Trends:
    period: Period
    span: int
    series: list[Series]
    total_answers: int


def wilson(yes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion yes/n (stays inside [0, 1])."""
    if n <= 0:
        return 0.0, 1.0
    p = yes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def period_starts(period: Period, span: int, today: date) -> list[date]:
    """The `span` periods ending with the one containing `today`, oldest first."""
    if period is Period.WEEK:
        this_week = today - timedelta(days=today.weekday())
        return [this_week - timedelta(weeks=span - 1 - i) for i in range(span)]
    year, month = today.year, today.month
    starts = []
    for _ in range(span):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _labels(period: Period, start: date) -> tuple[str, str]:
    if period is Period.WEEK:
        return f"{start:%-d %b}", f"week of {start:%-d %B %Y}"
    return f"{start:%b ’%y}", f"{start:%B %Y}"


def _point(period: Period, start: date, counts: dict[str, int], question: Question) -> Point:
    n = counts.get("answers", 0)
    yes = counts.get(f"{question.key}_yes", 0)
    label, long_label = _labels(period, start)
    if n < MIN_ANSWERS:
        return Point(start, label, long_label, n, yes, None, None, None, None)
    low, high = wilson(yes, n)
    mean = counts[f"{question.key}_sum"] / n if question.has_mean else None
    return Point(start, label, long_label, n, yes, yes / n, low, high, mean)


def my_trends(session: Session, viewer: User, period: Period = Period.WEEK,
              span: int | None = None, today: date | None = None) -> Trends:
    """The viewer's own results per question and period, oldest period first."""
    span = span if span in SPANS[period] else SPANS[period][0]
    today = today or clock.now().date()
    starts = period_starts(period, span, today)
    # A month's first week may start in the month before: fetch from that Monday.
    since = starts[0] - timedelta(days=starts[0].weekday())
    cells: dict[date, dict[str, int]] = {start: {} for start in starts}
    for row in privacy.my_score_counts(session, viewer, since):
        key = row.week_start if period is Period.WEEK else (
            row.month_start or row.week_start.replace(day=1))
        if key not in cells:
            continue
        cell = cells[key]
        for name, value in (("answers", row.answers), ("respected_sum", row.respected_sum),
                            ("respected_yes", row.respected_yes),
                            ("helped_sum", row.helped_sum), ("helped_yes", row.helped_yes),
                            ("pressured_yes", row.pressured), ("doubted_yes", row.doubted)):
            cell[name] = cell.get(name, 0) + value
    series = [Series(q, period, [_point(period, s, cells[s], q) for s in starts])
              for q in QUESTIONS]
    total = sum(cell.get("answers", 0) for cell in cells.values())
    return Trends(period, span, series, total)
