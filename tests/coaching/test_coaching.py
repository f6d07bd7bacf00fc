"""The coach's side: the inbox, exactly what was shared, notes both read, revoke is instant."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from feedback.coaching import reflections, sharing
from feedback.models import AuditEvent, CoachingNote, Role
from tests.coaching.helpers import released_answer, this_monday
from tests.conftest import Auth, csrf_from

WEEK = timedelta(weeks=1)


def _comments(html: str) -> list[str]:
    return sorted(re.findall(r'<blockquote class="quote">([^<]*)</blockquote>', html))


def _period_share(session, owner, coach, *, weeks_back=0, reflections_too=False):
    share = sharing.share_period(session, owner, coach_id=coach.id,
                                 first_day=this_monday() - weeks_back * WEEK,
                                 last_day=this_monday(), include_reflections=reflections_too)
    session.commit()
    return share


def test_a_manager_and_a_colleague_each_see_their_own_inbox(client, auth, session, make_user,
                                                            make_team):
    team = make_team()
    ana = make_user(team=team, name="Ana Lopez")
    maya = make_user(Role.MANAGER, name="Maya Chen")
    bea = make_user(team=team, name="Bea Colleague")
    team.managers.append(maya)
    session.commit()
    released_answer(session, ana, comment="for Maya")
    _period_share(session, ana, maya)
    auth.login(maya)
    inbox = client.get("/coaching/").text
    assert "Ana Lopez" in inbox
    auth.logout()
    auth.login(bea)
    assert "Nothing has been shared with you" in client.get("/coaching/").text


def test_the_coach_sees_exactly_the_window_as_the_owner_may(client, auth, session, make_user):
    ana, coach = make_user(name="Ana Lopez"), make_user(Role.MANAGER)
    monday = this_monday()
    named = released_answer(session, ana, week=monday, named=True, customer_name="Rosa Díaz",
                            company="Brightline", comment="named, inside")
    released_answer(session, ana, week=monday - WEEK, comment="anonymous, inside")
    released_answer(session, ana, week=monday - 2 * WEEK, comment="outside the window")
    waiting = released_answer(session, ana, week=monday, comment="not released yet")
    waiting.released_at = None
    reflections.save(session, ana, named.id, "my private thought")
    session.commit()
    share = _period_share(session, ana, coach, weeks_back=1)
    auth.login(coach)
    page = client.get(f"/coaching/shares/{share.id}").text
    assert _comments(page) == ["anonymous, inside", "named, inside"]
    assert "Rosa Díaz" not in page and "Brightline" not in page
    assert "my private thought" not in page  # reflections were not included


def test_reflections_only_when_included(client, auth, session, make_user):
    ana, coach = make_user(name="Ana Lopez"), make_user()
    answer = released_answer(session, ana, comment="rushed")
    reflections.save(session, ana, answer.id, "book longer slots")
    session.commit()
    share = _period_share(session, ana, coach, reflections_too=True)
    auth.login(coach)
    page = client.get(f"/coaching/shares/{share.id}").text
    assert "Ana's reflection" in page and "book longer slots" in page


def test_every_view_is_logged_and_the_owner_sees_who_looked(client, auth, session, make_user):
    ana, coach = make_user(), make_user(Role.MANAGER, name="Maya Chen")
    share = _period_share(session, ana, coach)
    auth.login(coach)
    client.get(f"/coaching/shares/{share.id}")
    client.get(f"/coaching/shares/{share.id}")
    session.expire_all()
    views = session.scalars(select(AuditEvent).where(AuditEvent.action == "share.view")).all()
    assert [(v.actor_id, v.subject_id) for v in views] == [(coach.id, share.id)] * 2
    auth.logout()
    auth.login(ana)
    log = client.get("/me/sharing").text.split("Who opened your shared feedback", 1)[1]
    assert log.count("Maya Chen") == 2


def test_notes_are_read_by_both_and_by_nobody_else(client, auth, post_form, session, make_user):
    ana, coach = make_user(name="Ana Lopez"), make_user(Role.MANAGER, name="Maya Chen")
    answer = released_answer(session, ana, comment="felt pushed")
    share = _period_share(session, ana, coach)
    other_share = _period_share(session, ana, make_user(name="Other Coach"))
    auth.login(coach)
    share_url = f"/coaching/shares/{share.id}"
    note_url = f"{share_url}/answers/{answer.id}/notes"
    assert post_form(note_url, {"body": "Try pausing after the price."},
                     page_url=share_url).status_code == 302
    assert "Try pausing after the price." in client.get(share_url).text
    auth.logout()

    auth.login(ana)
    assert "Try pausing after the price." in client.get("/me/feedback").text
    detail = f"/me/sharing/{share.id}"
    post_form(f"{detail}/answers/{answer.id}/notes", {"body": "Will do, thanks."},
              page_url=detail)
    assert "Try pausing after the price." not in client.get(
        f"/me/sharing/{other_share.id}").text  # notes belong to their share
    auth.logout()

    auth.login(coach)
    assert "Will do, thanks." in client.get(share_url).text


def test_no_note_outside_the_share(client, auth, post_form, session, make_user):
    ana, coach = make_user(), make_user()
    outside = released_answer(session, ana, week=this_monday() - 3 * WEEK)
    share = _period_share(session, ana, coach)
    auth.login(coach)
    share_url = f"/coaching/shares/{share.id}"
    response = post_form(f"{share_url}/answers/{outside.id}/notes", {"body": "peek"},
                         page_url=share_url)
    assert response.status_code == 404
    assert session.scalar(select(CoachingNote.id)) is None


def test_revoke_takes_effect_on_the_next_request(app, client, auth, post_form, session,
                                                 make_user):
    ana, coach = make_user(), make_user(Role.MANAGER)
    answer = released_answer(session, ana, comment="shared for now")
    share = _period_share(session, ana, coach)
    auth.login(coach)
    share_url = f"/coaching/shares/{share.id}"
    assert "shared for now" in client.get(share_url).text
    page = client.get(share_url).text  # a form still open in the coach's browser...

    owner = app.test_client()  # the owner, in another browser
    Auth(owner).login(ana)
    token_page = owner.get("/me/sharing").text
    owner.post(f"/me/sharing/{share.id}/revoke", data={"csrf_token": csrf_from(token_page)})

    assert client.get(share_url).status_code == 404
    assert "shared for now" not in client.get("/coaching/").text
    note = client.post(f"{share_url}/answers/{answer.id}/notes",
                       data={"body": "late", "csrf_token": csrf_from(page)})
    assert note.status_code == 404  # ...posts into nothing


def test_a_manager_who_is_not_the_coach_sees_nothing(client, auth, session, make_user):
    ana = make_user()
    released_answer(session, ana, comment="private")
    share = _period_share(session, ana, make_user(Role.MANAGER))
    auth.login(make_user(Role.MANAGER))
    assert client.get(f"/coaching/shares/{share.id}").status_code == 404
    assert "private" not in client.get("/coaching/").text


def test_a_share_from_someone_who_left_is_closed(client, auth, session, make_user):
    ana, coach = make_user(), make_user()
    share = _period_share(session, ana, coach)
    ana.active = False
    session.commit()
    auth.login(coach)
    assert client.get(f"/coaching/shares/{share.id}").status_code == 404
