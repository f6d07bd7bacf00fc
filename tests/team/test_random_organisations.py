"""Random teams, answers and moves between teams, recorded through the real services:
rollups equal a recount, no shown cell is below the thresholds, nothing small can be
worked out from what a manager sees."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.models import Pressure, Response, Team
from feedback.survey import customer_rights
from feedback.team import aggregates
from tests.team.disclosure import Part, assert_nothing_small_recoverable
from tests.team.helpers import answer, at, recount, sent_conversation, stored_rollups

FIRST_DAY = date(2025, 1, 20)  # four weeks from here: January, a week across, February
#: Named answers are released at once; weighted so that many cells fill up.
OUTCOMES = ("named", "named", "named", "anonymous", "unanswered", "edited", "deleted")

#: Conversations of a few people on one day, all answered the same way; sometimes one
#: salesperson moves to another team first.
events = st.tuples(
    st.lists(st.integers(0, 5), min_size=2, max_size=4, unique=True), st.integers(0, 27),
    st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), st.sampled_from(list(Pressure)),
    st.booleans(), st.sampled_from(OUTCOMES),
    st.none() | st.tuples(st.integers(0, 5), st.integers(0, 2)))


def _play(session, app_settings, people, teams, history) -> None:
    for who, day, count, respected, helped, pressure, doubtful, outcome, move in history:
        if move is not None:
            people[move[0] % len(people)].team_id = teams[move[1] % len(teams)].id
        for person in {people[i % len(people)] for i in who}:
            for hour in range(9, 9 + count):
                _talk(session, app_settings, person, at(FIRST_DAY + timedelta(day), hour),
                      respected, helped, pressure, doubtful, outcome)
        session.commit()


def _talk(session, app_settings, person, when, respected, helped, pressure, doubtful,
          outcome) -> None:
    invitation = sent_conversation(session, person, when)
    if outcome == "unanswered":
        return
    answer(session, app_settings, invitation, respected=respected, helped=helped,
           pressure=pressure, doubtful=doubtful, named=outcome != "anonymous", commit=False)
    if outcome == "edited":
        answer(session, app_settings, invitation, respected=6 - respected, helped=helped,
               pressure=pressure, doubtful=not doubtful, named=True,
               after=timedelta(hours=9), commit=False)
    elif outcome == "deleted":
        customer_rights.delete_answer(session, invitation)


def _raw_parts(session, team: Team) -> list[Part]:
    """The team's released answers per week part, straight from the responses table."""
    answers, people = defaultdict(int), defaultdict(set)
    for r in session.execute(select(Response).where(
            Response.team_id == team.id, Response.released_at.is_not(None))).scalars():
        answers[(r.week_start, r.month_start)] += 1
        people[(r.week_start, r.month_start)].add(r.salesperson_id)
    return [Part(w, m, n, frozenset(people[(w, m)])) for (w, m), n in answers.items()]


# Each example makes its own teams and people, so examples never see each other's rows.
# 30 examples of up to ~80 recorded answers each keep this near ten seconds; the many
# shapes of weeks and months are covered by test_disclosure.py's faster property.
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(3, 6), team_count=st.integers(1, 2),
       history=st.lists(events, min_size=3, max_size=10),
       min_answers=st.integers(3, 5))
def test_random_histories(session, settings, make_user, size, team_count, history,
                          min_answers):
    teams = [Team(name=f"Team {uuid.uuid4().hex[:8]}") for _ in range(team_count)]
    session.add_all(teams)
    session.commit()
    people = [make_user(team=teams[i % team_count]) for i in range(size)]
    _play(session, settings, people, teams, history)

    ids = [t.id for t in teams]
    assert stored_rollups(session, ids) == recount(session, ids)
    lowered = dataclasses.replace(settings, min_group_responses=min_answers)
    for team in teams:
        trends = aggregates.team_trends(session, team, lowered,
                                        today=FIRST_DAY + timedelta(days=40))
        shown = {(c.period, c.start) for c in [*trends.weeks, *trends.months] if c.shown}
        assert_nothing_small_recoverable(_raw_parts(session, team), shown, min_answers, 3)
