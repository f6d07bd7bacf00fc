"""Reflections: private notes on my own answers; create, edit, delete; nobody else's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback import privacy
from feedback.coaching import reflections
from feedback.core.errors import NotVisible
from feedback.models import Reflection
from tests.coaching.helpers import released_answer


def test_write_edit_and_delete_a_reflection(client, auth, post_form, session, make_user):
    ana = make_user()
    answer = released_answer(session, ana, comment="Felt rushed.")
    auth.login(ana)
    url = f"/me/feedback/{answer.id}/reflection"
    assert "Felt rushed." in client.get(url).text

    saved = post_form(url, {"body": "Leave ten minutes for questions."})
    assert saved.status_code == 302
    feed = client.get("/me/feedback").text
    assert "Leave ten minutes for questions." in feed and "only you see this" in feed

    post_form(url, {"body": "Book an hour, not thirty minutes."})
    feed = client.get("/me/feedback").text
    assert "Book an hour" in feed and "Leave ten minutes" not in feed
    session.expire_all()
    assert session.scalar(select(func.count(Reflection.id))) == 1

    deleted = post_form(f"{url}/delete", {}, page_url=url)
    assert deleted.status_code == 302
    assert "Book an hour" not in client.get("/me/feedback").text
    assert session.scalar(select(func.count(Reflection.id))) == 0


def test_an_empty_reflection_is_refused_with_a_message(client, auth, post_form, session,
                                                       make_user):
    ana = make_user()
    answer = released_answer(session, ana)
    auth.login(ana)
    page = post_form(f"/me/feedback/{answer.id}/reflection", {"body": "   "})
    assert page.status_code == 200
    assert "Write something, or delete the reflection instead." in page.text
    assert session.scalar(select(func.count(Reflection.id))) == 0


def test_someone_elses_answer_is_404_for_reading_writing_and_deleting(client, auth, post_form,
                                                                      session, make_user):
    ana, ben = make_user(), make_user()
    answer = released_answer(session, ana, comment="about Ana")
    reflections.save(session, ana, answer.id, "Ana's own thought")
    session.commit()
    auth.login(ben)
    url = f"/me/feedback/{answer.id}/reflection"
    assert client.get(url).status_code == 404
    own = released_answer(session, ben)  # a page of Ben's own, for a valid CSRF token
    page_url = f"/me/feedback/{own.id}/reflection"
    assert post_form(url, {"body": "sneaky"}, page_url=page_url).status_code == 404
    assert post_form(f"{url}/delete", {}, page_url=page_url).status_code == 404
    session.expire_all()
    assert session.scalar(select(Reflection.body)) == "Ana's own thought"


def test_reflections_are_visible_only_to_their_author(session, make_user):
    ana, ben = make_user(), make_user()
    answer = released_answer(session, ana)
    reflections.save(session, ana, answer.id, "mine")
    session.commit()
    assert privacy.my_reflections(session, ana)[answer.id].body == "mine"
    assert privacy.my_reflections(session, ben) == {}
    with pytest.raises(NotVisible):
        reflections.save(session, ben, answer.id, "not mine")
    with pytest.raises(NotVisible):
        reflections.delete(session, ben, answer.id)


def test_no_reflection_on_an_answer_not_yet_released(session, make_user):
    ana = make_user()
    answer = released_answer(session, ana)
    answer.released_at = None
    session.commit()
    with pytest.raises(NotVisible):
        reflections.save(session, ana, answer.id, "too early")
