"""Sharing with a coach, from the owner's side: choose who and what, see it, revoke it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from feedback.coaching import sharing
from feedback.models import AuditEvent, Role, Share, ShareScope
from tests.coaching.helpers import released_answer, this_monday

WEEK = timedelta(weeks=1)


def _events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _shares(session) -> list[Share]:
    session.expire_all()
    return list(session.scalars(select(Share).order_by(Share.id)))


def test_coach_choices_are_active_colleagues_my_manager_first(session, make_user, make_team):
    team = make_team()
    ana = make_user(team=team, name="Ana")
    zed = make_user(Role.MANAGER, name="Zed Manager")
    team.managers.append(zed)
    session.commit()
    make_user(Role.MANAGER, name="Another Manager")
    make_user(name="Bea Colleague")
    make_user(name="Gone Colleague", active=False)
    make_user(Role.ADMIN, name="An Admin")
    make_user(Role.PRODUCT, name="A Product Person")
    choices = sharing.coach_choices(session, ana)
    assert [c.name for c in choices] == ["Zed Manager", "Another Manager", "Bea Colleague"]
    assert choices[0].is_my_manager and not choices[1].is_my_manager


def test_share_a_range_of_weeks(client, auth, post_form, session, make_user):
    ana, bea = make_user(name="Ana"), make_user(name="Bea Colleague")
    released_answer(session, ana)
    auth.login(ana)
    form = client.get("/me/sharing/new").text
    assert f'<option value="{bea.id}">Bea Colleague</option>' in form
    assert f'<option value="{ana.id}"' not in form
    monday = this_monday()
    response = post_form("/me/sharing/new", {
        "coach": bea.id, "scope": "period", "first_week": str(monday - 2 * WEEK + timedelta(2)),
        "last_week": str(monday + timedelta(days=4)), "include_reflections": "y"})
    assert response.status_code == 302
    [share] = _shares(session)
    assert (share.owner_id, share.coach_id, share.scope) == (ana.id, bea.id, ShareScope.PERIOD)
    assert (share.period_start, share.period_end) == (monday - 2 * WEEK, monday)  # whole weeks
    assert share.include_reflections
    page = client.get("/me/sharing").text
    assert "Bea Colleague</strong> can see answers from the week of" in page
    assert "with your reflections" in page
    [event] = _events(session, "share.create")
    assert event.actor_id == ana.id and event.subject_id == share.id
    assert event.details["coach_id"] == bea.id and event.details["scope"] == "period"


def test_share_chosen_answers_from_the_feed(client, auth, post_form, session, make_user):
    ana, bea = make_user(), make_user()
    chosen = released_answer(session, ana, comment="this one")
    released_answer(session, ana, comment="not this one")
    auth.login(ana)
    assert f"/me/sharing/new?answer={chosen.id}" in client.get("/me/feedback").text
    form = client.get(f"/me/sharing/new?answer={chosen.id}").text
    assert re.search(rf'value="{chosen.id}" checked', form)
    post_form("/me/sharing/new", {"coach": bea.id, "scope": "answers",
                                  "answers": [chosen.id]})
    [share] = _shares(session)
    assert share.scope is ShareScope.ANSWERS and [a.id for a in share.answers] == [chosen.id]
    assert not share.include_reflections  # off unless ticked
    assert "1 chosen answer" in client.get("/me/sharing").text


def test_a_share_that_makes_no_sense_is_refused_kindly(client, auth, post_form, session,
                                                       make_user):
    ana, bea, admin = make_user(), make_user(), make_user(Role.ADMIN)
    ben = make_user()
    bens = released_answer(session, ben)
    mine = released_answer(session, ana)
    monday = str(this_monday())
    auth.login(ana)
    cases = [
        ({"coach": admin.id, "scope": "period", "first_week": monday, "last_week": monday},
         "Choose a colleague from the list."),
        ({"coach": ana.id, "scope": "period", "first_week": monday, "last_week": monday},
         "Choose a colleague from the list."),
        ({"coach": bea.id, "scope": "period", "first_week": monday,
          "last_week": str(this_monday() - 3 * WEEK)}, "The first week must come before"),
        ({"coach": bea.id, "scope": "period", "first_week": monday}, "Choose a day in the week."),
        ({"coach": bea.id, "scope": "answers"}, "Tick at least one answer to share."),
        ({"coach": bea.id, "scope": "answers", "answers": [mine.id, bens.id]},
         "not yours to share"),
    ]
    for data, message in cases:
        page = post_form("/me/sharing/new", data)
        assert page.status_code == 200, data
        assert message in page.text, data
    assert _shares(session) == []
    assert _events(session, "share.create") == []


def test_revoke_at_any_time(client, auth, post_form, session, make_user):
    ana, bea = make_user(), make_user(name="Bea Colleague")
    share = sharing.share_period(session, ana, coach_id=bea.id, first_day=this_monday(),
                                 last_day=this_monday(), include_reflections=False)
    session.commit()
    auth.login(ana)
    response = post_form(f"/me/sharing/{share.id}/revoke", {}, page_url="/me/sharing")
    assert response.status_code == 302
    page = client.get("/me/sharing", follow_redirects=True).text
    assert "Bea Colleague can no longer see it" in page
    assert "Nobody can see your feedback" in page and "Revoked" in page
    post_form(f"/me/sharing/{share.id}/revoke", {}, page_url="/me/sharing")
    assert len(_events(session, "share.revoke")) == 1  # revoking twice changes nothing


def test_the_owner_previews_exactly_what_the_coach_sees(client, auth, session, make_user):
    ana, bea = make_user(), make_user(name="Bea Colleague")
    released_answer(session, ana, named=True, customer_name="Rosa Díaz", comment="inside")
    released_answer(session, ana, week=this_monday() - 5 * WEEK, comment="outside")
    share = sharing.share_period(session, ana, coach_id=bea.id, first_day=this_monday(),
                                 last_day=this_monday(), include_reflections=False)
    session.commit()
    auth.login(ana)
    page = client.get(f"/me/sharing/{share.id}").text
    assert "What Bea Colleague sees" in page
    assert "inside" in page and "outside" not in page
    assert "Rosa Díaz" not in page  # the customer allowed Ana, not her coach


def test_someone_elses_share_is_404(client, auth, post_form, session, make_user):
    ana, ben, bea = make_user(), make_user(), make_user()
    share = sharing.share_period(session, ana, coach_id=bea.id, first_day=this_monday(),
                                 last_day=this_monday(), include_reflections=False)
    session.commit()
    auth.login(ben)
    assert client.get(f"/me/sharing/{share.id}").status_code == 404
    assert post_form(f"/me/sharing/{share.id}/revoke", {},
                     page_url="/me/sharing").status_code == 404
    assert _shares(session)[0].revoked_at is None
