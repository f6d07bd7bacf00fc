"""response_rollups always equals a count from scratch: late, edited, released, deleted."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from feedback.models import Pressure, Response, ResponseRollup
from feedback.survey import customer_rights
from feedback.team import rollups
from tests.team.helpers import answer, answered, at, recount, sent_conversation, stored_rollups

#: A Friday: its week runs into February, so it has a January part and a February part.
JAN_31 = date(2025, 1, 31)
FEB_3 = date(2025, 2, 3)


def _matches_recount(session, *teams) -> dict:
    ids = [t.id for t in teams]
    stored = stored_rollups(session, ids)
    assert stored == recount(session, ids)
    return stored


def test_a_late_answer_counts_in_its_conversation_week(session, settings, make_user):
    ana = make_user()
    invitation = sent_conversation(session, ana, at(JAN_31))
    session.commit()
    answer(session, settings, invitation, respected=4, after=timedelta(days=12))
    stored = _matches_recount(session, ana.team)
    assert stored == {(ana.team_id, date(2025, 1, 27), date(2025, 1, 1), ana.id): {
        "sent": 1, "answers": 1, "respected_sum": 4, "helped_sum": 5, "respected_yes": 1,
        "helped_yes": 1, "pressured": 0, "doubted_promise": 0}}


def test_an_edit_that_changes_only_scores_is_counted_again(session, settings, make_user):
    ana = make_user()
    invitation = sent_conversation(session, ana, at(FEB_3))
    session.commit()
    answer(session, settings, invitation, respected=5, helped=5)
    answer(session, settings, invitation, respected=2, helped=5, after=timedelta(hours=5))
    stored = _matches_recount(session, ana.team)
    [part] = stored.values()
    assert (part["answers"], part["respected_sum"], part["respected_yes"]) == (1, 2, 0)
    answer(session, settings, invitation, respected=2, helped=5, pressure=Pressure.YES,
           doubtful=True, note="the API", after=timedelta(hours=6))
    [part] = _matches_recount(session, ana.team).values()
    assert (part["pressured"], part["doubted_promise"]) == (1, 1)


def test_anonymous_answers_count_when_released(session, settings, make_user):
    ana = make_user()
    # Two anonymous answers in two parts of one week: waiting, so not counted yet.
    first = answered(session, settings, ana, at(JAN_31), named=False)
    second = answered(session, settings, ana, at(FEB_3), named=False)
    stored = _matches_recount(session, ana.team)
    assert sum(p["answers"] for p in stored.values()) == 0
    assert sum(p["sent"] for p in stored.values()) == 2
    # The third, weeks later, releases all three: each part is counted again.
    answered(session, settings, ana, at(FEB_3 + timedelta(weeks=3)), named=False)
    stored = _matches_recount(session, ana.team)
    assert sum(p["answers"] for p in stored.values()) == 3
    assert {(k[1], k[2]) for k, p in stored.items() if p["answers"]} == {
        (first.week_start, date(2025, 1, 1)), (second.week_start, date(2025, 2, 1)),
        (date(2025, 2, 24), date(2025, 2, 1))}


def test_a_deleted_answer_stops_counting(session, settings, make_user):
    ana = make_user()
    kept = answered(session, settings, ana, at(FEB_3), respected=5)
    gone = answered(session, settings, ana, at(FEB_3, 15), respected=1)
    [part] = _matches_recount(session, ana.team).values()
    assert part["answers"] == 2
    assert customer_rights.delete_answer(session, gone.invitation)
    session.commit()
    [part] = _matches_recount(session, ana.team).values()
    assert (part["answers"], part["respected_sum"], part["sent"]) == (1, 5, 2)
    customer_rights.delete_answer(session, kept.invitation)
    session.commit()
    [part] = _matches_recount(session, ana.team).values()
    assert part["answers"] == 0 and part["sent"] == 2


def test_a_part_with_nothing_left_has_no_row(session, make_user):
    ana = make_user()
    invitation = sent_conversation(session, ana, at(FEB_3))
    session.commit()
    invitation.first_sent_at = None  # as if the send had never happened
    rollups.refresh_for_invitation(session, invitation.id)
    session.commit()
    assert session.execute(select(ResponseRollup)).first() is None


def test_answers_stay_with_the_team_of_their_conversation(session, settings, make_user,
                                                          make_team):
    north, south = make_team(), make_team()
    ana = make_user(team=north)
    invitation = sent_conversation(session, ana, at(JAN_31))
    session.commit()
    ana.team_id = south.id  # she moves before her customer answers
    session.commit()
    answer(session, settings, invitation, after=timedelta(days=5))
    answered(session, settings, ana, at(FEB_3))
    stored = _matches_recount(session, north, south)
    assert {(team, p["answers"]) for (team, *_), p in stored.items()} == {
        (north.id, 1), (south.id, 1)}


def test_answers_without_a_team_are_not_counted(session, settings, make_user):
    ana = make_user()
    ana.team_id = None
    session.commit()
    response = answered(session, settings, ana, at(FEB_3))
    assert response.team_id is None
    assert session.execute(select(ResponseRollup)).first() is None


def test_rebuild_gives_what_the_refreshes_gave(session, settings, make_user, make_team):
    north, south = make_team(), make_team()
    people = [make_user(team=north), make_user(team=north), make_user(team=south)]
    for day in range(0, 40, 3):
        person = people[day % 3]
        invitation = sent_conversation(session, person, at(date(2025, 1, 20) + timedelta(day)))
        session.commit()
        if day % 2:
            answer(session, settings, invitation, respected=1 + day % 5, named=day % 4 == 1)
    by_refresh = _matches_recount(session, north, south)
    assert rollups.rebuild(session) == len(by_refresh)
    session.commit()
    assert stored_rollups(session, [north.id, south.id]) == by_refresh
    rollups.rebuild(session, team_id=south.id)
    session.commit()
    assert stored_rollups(session, [north.id, south.id]) == by_refresh


def test_refresh_for_responses_ignores_unknown_and_teamless_ids(session, settings, make_user):
    ana = make_user()
    response = answered(session, settings, ana, at(FEB_3))
    rollups.refresh_for_responses(session, [response.id, 10**9])
    rollups.refresh_for_responses(session, [])
    session.commit()
    assert session.execute(select(Response.id)).scalars().all() == [response.id]
    _matches_recount(session, ana.team)
