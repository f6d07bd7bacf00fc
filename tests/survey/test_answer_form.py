"""The customer's form: GET records nothing, POST records once, bad input loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.models import Invitation, InvitationStatus, Response
from tests.conftest import checked_value, csrf_from

GOOD = {"respected": "4", "helped": "3", "pressure": "a_little", "doubtful_promise": "no"}


@pytest.fixture
def link(make_user, survey_link):
    seller = make_user(name="Ana Lopez")
    engagement, token = survey_link(seller)
    return engagement, f"/s/{token}"


def _responses(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Response.id)))


def _post(client, url, data):
    page = client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


def test_get_and_head_record_nothing(client, session, link):
    _, url = link
    for _ in range(3):
        assert client.get(url + "?respected=5").status_code == 200
        assert client.head(url).status_code == 200
    assert _responses(session) == 0
    assert session.get(Invitation, link[0].invitation.id).status is InvitationStatus.SENT


def test_page_is_private_and_names_the_salesperson(client, link):
    page = client.get(link[1])
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "How was your conversation with Ana?" in page.text
    assert "You may tell Ana who I am" in page.text
    # Off by default: the customer stays anonymous unless they tick it.
    assert 'name="reveal_identity"' in page.text
    assert checked_value(page.text, "reveal_identity") is None
    assert 'type="checkbox" value="y" checked' not in page.text


def test_rating_button_preselects_but_out_of_range_is_ignored(client, link):
    assert checked_value(client.get(link[1] + "?respected=2").text, "respected") == "2"
    assert checked_value(client.get(link[1] + "?respected=9").text, "respected") is None
    assert checked_value(client.get(link[1] + "?respected=x").text, "respected") is None


def test_post_records_one_answer_and_resubmit_updates_it(client, session, link):
    engagement, url = link
    assert _post(client, url, GOOD).status_code == 303
    assert _post(client, url, {**GOOD, "respected": "5", "improve_comment": "Better now"}
                 ).status_code == 303
    assert _responses(session) == 1
    response = session.scalars(select(Response)).one()
    assert (response.respected, response.improve_comment) == (5, "Better now")
    assert response.salesperson_id == engagement.salesperson_id
    assert response.team_id == engagement.team_id
    assert response.reveal_identity is False


def test_edit_window_closes(client, session, link, settings):
    _, url = link
    _post(client, url, GOOD)
    token = csrf_from(client.get(url).text)
    response = session.scalars(select(Response)).one()
    response.submitted_at -= settings.edit_window + timedelta(minutes=1)
    session.commit()
    page = client.get(url)
    assert "can no longer be changed" in page.text
    again = client.post(url, data={**GOOD, "respected": "1", "csrf_token": token})
    assert again.status_code == 200
    session.expire_all()
    assert session.scalars(select(Response)).one().respected == 4


@pytest.mark.parametrize("bad", [
    {"respected": "0"},
    {"respected": "6"},
    {"respected": "-1"},
    {"respected": "five"},
    {"helped": ""},
    {"pressure": "maybe"},
    {"doubtful_promise": ""},
    {"improve_comment": "x" * 2001},
    {"promise_note": "y" * 1001},
    {"product_comment": "z" * 2001},
])
def test_bad_input_is_a_clear_error_and_stores_nothing(client, session, link, bad):
    data = {**GOOD, **bad}
    data = {k: v for k, v in data.items() if v != ""}
    response = _post(client, link[1], data)
    assert response.status_code == 422
    assert "need another look" in response.text
    assert 'class="errors"' in response.text
    assert _responses(session) == 0


def test_missing_everything_is_a_form_error_not_a_500(client, session, link):
    response = _post(client, link[1], {})
    assert response.status_code == 422
    assert response.text.count('class="errors"') == 4
    assert _responses(session) == 0


def test_script_in_a_comment_is_stored_as_typed_and_shown_escaped(
        client, session, link, auth, make_user):
    engagement, url = link
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _post(client, url, {**GOOD, "improve_comment": payload, "reveal_identity": "y"})
    assert session.scalars(select(Response)).one().improve_comment == payload
    seller_client = client.application.test_client()
    from tests.conftest import Auth

    Auth(seller_client).login(engagement.salesperson)
    feed = seller_client.get("/me/feedback").text
    assert payload not in feed
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in feed


def test_a_post_without_csrf_token_is_refused(client, session, link):
    response = client.post(link[1], data=GOOD)
    assert response.status_code == 400
    assert _responses(session) == 0


@pytest.mark.parametrize("token", ["A" * 32, "short", "A" * 33, "%00" * 10, "../../etc"])
def test_unknown_or_malformed_tokens_get_the_same_friendly_404(client, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 404
    assert "find that page" in response.text
    assert "Traceback" not in response.text


def test_expired_link_is_a_404_like_any_unknown_one(client, session, link):
    engagement, url = link
    invitation = session.get(Invitation, engagement.invitation.id)
    invitation.expires_at = invitation.first_sent_at
    session.commit()
    expired = client.get(url)
    unknown = client.get("/s/" + "B" * 32)
    assert expired.status_code == unknown.status_code == 404
    assert expired.text == unknown.text
