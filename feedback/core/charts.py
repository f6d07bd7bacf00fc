"""Server-rendered SVG charts: geometry here, markup in templates/me/_chart.html (both audiences).

Plain SVG rather than a charting library: pygal (the well-kept candidate) writes an
inline <style> element, random element ids and a generation date into every chart,
loads its tooltips from a CDN unless told not to, and has no shaded interval band.
Inline styles break a strict Content-Security-Policy and random ids break stable
output; what we need (a line, a band, gaps, axes) is a page of arithmetic.

A chart is a picture of a trends.Series: a line through the periods with enough
answers, the 95% Wilson band around it, and a grey column labelled "too few" for
every period without enough answers. No line crosses a gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from feedback.coaching.trends import MIN_ANSWERS, Point, Series

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 48
#: Room one x-axis label needs, in SVG units.
LABEL_ROOM = 46


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    centre: float
    label: str
    long_label: str
    answers: int
    enough: bool
    #: Whether this column's x-axis label is drawn (others would overlap).
    show_label: bool


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    #: (y, "50%") for each horizontal guide.
    gridlines: list[tuple[float, str]]
    columns: list[Column]
    #: SVG path data for each run of consecutive periods with enough answers.
    lines: list[str]
    #: SVG polygon points for the band around each run.
    bands: list[str]
    #: (x, y) of every point with enough answers.
    dots: list[tuple[float, float]]
    #: (x, y_high, y_low): the interval of a point with no neighbour to share a band with.
    whiskers: list[tuple[float, float, float]]
    #: Counts and "too few" words fit under/in each column.
    show_counts: bool
    show_gap_words: bool


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def _y(value: float) -> float:
    return round(TOP + (1 - value) * (HEIGHT - TOP - BOTTOM), 1)


def _runs(points: list[Point]) -> list[list[int]]:
    """Indexes of consecutive points with enough answers."""
    runs, current = [], []
    for i, point in enumerate(points):
        if point.enough:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def describe(series: Series) -> str:
    """One or two sentences that say what the chart shows, for screen readers."""
    points = series.points
    kind = "week" if series.period.value == "week" else "month"
    enough = [p for p in points if p.enough]
    text = (f"{series.question.title}: {series.question.measure}, by {kind}, over the last "
            f"{len(points)} {kind}s. {len(enough)} of {len(points)} {kind}s had at least "
            f"{MIN_ANSWERS} answers.")
    if enough:
        last = enough[-1]
        text += (f" Latest with enough answers, {last.long_label}: {_pct(last.share)}"
                 f" (95% range {_pct(last.low)} to {_pct(last.high)}) from {last.answers}"
                 " answers.")
    return text


def line_chart(series: Series, chart_id: str) -> Chart:
    """The geometry of one series' chart; `chart_id` must be unique on the page."""
    points = series.points
    plot_width = WIDTH - LEFT - RIGHT
    width = plot_width / max(len(points), 1)
    every = max(1, math.ceil(LABEL_ROOM / width))
    last = len(points) - 1
    columns = [
        Column(x=round(LEFT + i * width, 1), width=round(width, 1),
               centre=round(LEFT + (i + 0.5) * width, 1), label=p.label,
               long_label=p.long_label, answers=p.answers, enough=p.enough,
               # Count labels back from the newest period so the latest is always named.
               show_label=(last - i) % every == 0)
        for i, p in enumerate(points)
    ]
    lines, bands, dots, whiskers = [], [], [], []
    for run in _runs(points):
        xs = [columns[i].centre for i in run]
        ys = [_y(points[i].share) for i in run]
        highs = [_y(points[i].high) for i in run]
        lows = [_y(points[i].low) for i in run]
        dots.extend(zip(xs, ys, strict=True))
        if len(run) == 1:
            whiskers.append((xs[0], highs[0], lows[0]))
        else:
            lines.append("M" + " L".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True)))
            outline = list(zip(xs, highs, strict=True)) + list(zip(xs, lows, strict=True))[::-1]
            bands.append(" ".join(f"{x},{y}" for x, y in outline))
    return Chart(
        id=chart_id, title=f"{series.question.title}: {series.question.measure}",
        desc=describe(series), width=WIDTH, height=HEIGHT, plot_left=LEFT,
        plot_right=WIDTH - RIGHT, plot_top=TOP, plot_bottom=HEIGHT - BOTTOM,
        gridlines=[(_y(v), _pct(v)) for v in (0, 0.25, 0.5, 0.75, 1)],
        columns=columns, lines=lines, bands=bands, dots=dots, whiskers=whiskers,
        show_counts=width >= 14, show_gap_words=width >= 14,
    )
