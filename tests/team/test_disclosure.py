"""Weeks and months side by side give nothing away by subtraction (secondary suppression)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.models import Period
from feedback.team.disclosure import Tally, Thresholds, visible_cells
from tests.team.disclosure import Attacker, Part, assert_nothing_small_recoverable

FIVE_THREE = Thresholds(5, 3)


def _parts(spec: dict[tuple[date, date], list[tuple[int, int]]]) -> dict:
    """{(week, month): [(person, answers), ...]} as aggregates' parts."""
    parts = {}
    for key, given_answers in spec.items():
        tally = Tally()
        for person, count in given_answers:
            tally.add(Tally(answers=count, people={person} if count else set()))
        parts[key] = tally
    return parts


def _plain(parts: dict) -> list[Part]:
    return [Part(w, m, t.answers, frozenset(t.people)) for (w, m), t in parts.items()]


def test_a_month_and_all_but_one_of_its_weeks_would_give_that_week_away():
    # February 2021 is exactly four weeks: the month is the sum of its weeks.
    feb = date(2021, 2, 1)
    weeks = [feb + timedelta(weeks=i) for i in range(4)]
    spec = {(w, feb): [(1, 2), (2, 2), (3, 2)] for w in weeks[:3]}
    spec[(weeks[3], feb)] = [(4, 2)]  # 2 answers about one person: too few
    parts = _parts(spec)
    shown = visible_cells(parts, FIVE_THREE)
    week_cells = {(Period.WEEK, w) for w in weeks}
    # The month stays; the small week and one more week (the complement) are hidden.
    assert (Period.MONTH, feb) in shown
    assert (Period.WEEK, weeks[3]) not in shown
    assert len(week_cells - shown) == 2
    # Without the complement, the small week is the month minus the other three.
    naive = Attacker(_plain(parts), (week_cells - {(Period.WEEK, weeks[3])})
                     | {(Period.MONTH, feb)})
    assert naive.can_recover(naive.cell_members((Period.WEEK, weeks[3])))
    assert_nothing_small_recoverable(_plain(parts), shown, 5, 3)


def test_the_days_at_a_months_edge_are_not_left_bare():
    # September 2025 starts on a Monday; its last week runs into October. With every
    # week and both months shown, Monday 29 and Tuesday 30 September (one answer about
    # one person) would be September minus its four whole weeks.
    sep, oct_ = date(2025, 9, 1), date(2025, 10, 1)
    spec = {(sep + timedelta(weeks=i), sep): [(1, 2), (2, 2), (3, 2)] for i in range(4)}
    spec[(date(2025, 9, 29), sep)] = [(9, 1)]
    spec[(date(2025, 9, 29), oct_)] = [(1, 3), (2, 3), (3, 3)]
    for i in range(1, 5):
        spec[(date(2025, 9, 29) + timedelta(weeks=i), oct_)] = [(1, 2), (2, 2), (3, 2)]
    parts = _parts(spec)
    everything = {cell for key in parts for cell in ((Period.WEEK, key[0]),
                                                    (Period.MONTH, key[1]))}
    naive = Attacker(_plain(parts), everything)
    edge = next(i for i, p in enumerate(naive.parts) if p.answers == 1)
    assert naive.can_recover([edge])
    shown = visible_cells(parts, FIVE_THREE)
    assert len(everything - shown) >= 1
    assert not Attacker(_plain(parts), shown).can_recover([edge])
    assert_nothing_small_recoverable(_plain(parts), shown, 5, 3)


def test_large_teams_lose_nothing():
    spec = {}
    for i in range(12):
        week = date(2025, 1, 6) + timedelta(weeks=i)
        for day in range(7):
            month = (week + timedelta(days=day)).replace(day=1)
            spec.setdefault((week, month), []).extend((p, 1) for p in range(6))
    parts = _parts(spec)
    shown = visible_cells(parts, FIVE_THREE)
    assert shown == {c for key in parts for c in ((Period.WEEK, key[0]), (Period.MONTH, key[1]))}


@st.composite
def organisations(draw):
    """Nine consecutive weeks from a random Monday, with random answers in each part."""
    first = date(2024, 1, 1) + timedelta(weeks=draw(st.integers(0, 104)))
    spec = {}
    for i in range(9):
        week = first + timedelta(weeks=i)
        months = sorted({(week + timedelta(days=d)).replace(day=1) for d in range(7)})
        for month in months:
            spec[(week, month)] = draw(st.lists(
                st.tuples(st.integers(0, 5), st.integers(0, 4)), max_size=4))
    return spec


@settings(max_examples=50, deadline=None)
@given(spec=organisations(), answers=st.integers(3, 6), people=st.integers(3, 4))
def test_random_organisations_give_nothing_away(spec, answers, people):
    parts = _parts(spec)
    shown = visible_cells(parts, Thresholds(answers, people))
    assert_nothing_small_recoverable(_plain(parts), shown, answers, people)
