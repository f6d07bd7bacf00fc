"""A team cell shows numbers only with enough answers about enough salespeople."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from feedback.config import Config
from feedback.core import settings as app_settings
from feedback.models import Period, Pressure
from feedback.team import aggregates
from feedback.team.disclosure import Thresholds, visible_cells
from tests.team.helpers import answered, at

#: Tuesday of a week that lies inside March 2025, so its week and month hold the same answers.
TUESDAY = date(2025, 3, 11)
TODAY = date(2025, 4, 15)


def _cells(session, team, settings):
    trends = aggregates.team_trends(session, team, settings, today=TODAY)
    week = next(c for c in trends.weeks if c.start == date(2025, 3, 10))
    month = next(c for c in trends.months if c.start == date(2025, 3, 1))
    return week, month


def _answers(session, settings, people, count, day=TUESDAY, **kwargs):
    for i in range(count):
        answered(session, settings, people[i % len(people)], at(day, 9 + i), **kwargs)


@pytest.fixture
def team_of(make_team, make_user):
    def make(size: int):
        team = make_team()
        return team, [make_user(team=team) for _ in range(size)]

    return make


def test_four_answers_are_not_enough(session, settings, team_of):
    team, people = team_of(4)
    _answers(session, settings, people, 4)
    week, month = _cells(session, team, settings)
    assert not week.shown and not month.shown
    assert week.answers is None and week.respected is None and month.sent is None


def test_five_answers_about_two_people_are_not_enough(session, settings, team_of):
    team, people = team_of(2)
    _answers(session, settings, people, 5)
    week, month = _cells(session, team, settings)
    assert not week.shown and not month.shown


def test_five_answers_about_three_people_are_shown(session, settings, team_of):
    team, people = team_of(3)
    _answers(session, settings, people, 3, respected=5, helped=2, pressure=Pressure.A_LITTLE)
    _answers(session, settings, people, 2, respected=3, helped=4, doubtful=True, note="hm")
    week, month = _cells(session, team, settings)
    assert week.shown and month.shown
    assert (week.answers, week.sent, week.response_rate) == (5, 5, 1.0)
    assert week.respected == pytest.approx(3 / 5)
    assert week.helped == pytest.approx(2 / 5)
    assert week.pressured == pytest.approx(3 / 5)
    assert week.doubted_promise == pytest.approx(2 / 5)
    assert dataclasses.replace(month, period=Period.WEEK, start=week.start) == week


def test_response_rate_counts_every_survey_sent(session, settings, team_of):
    from tests.team.helpers import sent_conversation

    team, people = team_of(3)
    _answers(session, settings, people, 6)
    for person in people:
        for hour in (8, 9):
            sent_conversation(session, person, at(TUESDAY + timedelta(days=1), hour))
    session.commit()
    week, _ = _cells(session, team, settings)
    assert (week.answers, week.sent) == (6, 12)
    assert week.response_rate == pytest.approx(0.5)


def test_unreleased_anonymous_answers_wait_with_the_salesperson(session, settings, team_of):
    team, people = team_of(3)
    _answers(session, settings, people, 6, named=True)
    # Two anonymous answers each: the salesperson has not seen them yet, nor has the team.
    _answers(session, settings, people * 2, 6, named=False, respected=1)
    week, _ = _cells(session, team, settings)
    assert week.answers == 6 and week.respected == 1.0
    # A third anonymous answer each completes their batches: now everyone sees them.
    _answers(session, settings, people, 3, named=False, respected=1)
    week, _ = _cells(session, team, settings)
    assert week.answers == 15 and week.respected == pytest.approx(6 / 15)


def test_the_people_threshold_never_goes_below_three(session, settings, team_of):
    lowered = dataclasses.replace(settings, min_group_responses=3, min_group_people=2)
    team, people = team_of(2)
    _answers(session, settings, people, 4)
    week, month = _cells(session, team, lowered)
    assert not week.shown and not month.shown
    assert Thresholds.from_settings(lowered) == Thresholds(3, 3)

    other, three = team_of(3)
    _answers(session, settings, three, 3)
    week, _ = _cells(session, other, lowered)
    assert week.shown and week.answers == 3


def test_settings_and_config_refuse_fewer_than_three_people(app):
    config = {**app.config, "MIN_GROUP_PEOPLE": 2}
    assert app_settings.from_config(config).min_group_people == 3

    class TooFew(Config):
        MIN_GROUP_PEOPLE = 2

    with pytest.raises(RuntimeError, match="below 3"):
        TooFew.validate()


def test_a_team_without_answers_has_no_cells(session, settings, team_of):
    team, _ = team_of(3)
    trends = aggregates.team_trends(session, team, settings, today=TODAY)
    assert trends.weeks == [] and trends.months == []


def test_the_quick_path_agrees_with_the_full_rule(session, settings, team_of):
    # Every week part holds enough answers on its own: the page skips the full rule.
    team, people = team_of(3)
    for day in (TUESDAY, TUESDAY + timedelta(days=7), date(2025, 3, 31), date(2025, 4, 2)):
        _answers(session, settings, people, 6, day)
    trends = aggregates.team_trends(session, team, settings, today=TODAY)
    shown = {(c.period, c.start) for c in [*trends.weeks, *trends.months] if c.shown}
    parts = aggregates.load_parts(session, team.id)
    assert shown == visible_cells(parts, Thresholds.from_settings(settings))
    assert len(shown) == 5  # three weeks (the last across into April), March and April
