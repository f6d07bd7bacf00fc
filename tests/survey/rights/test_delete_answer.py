"""A customer may delete their answer: GET asks, only a POST erases, and the answer goes
with everything written about it. The invitation stays, saying only "sent"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from feedback import privacy
from feedback.core import clock
from feedback.core.extensions import db
from feedback.models import (
    AuditEvent,
    CoachingNote,
    Invitation,
    InvitationStatus,
    Reflection,
    Response,
    ResponseRollup,
    Share,
    share_answers,
)
from tests.conftest import Auth, csrf_from


def _count(session, column) -> int:
    session.expire_all()
    return session.scalar(select(func.count(column)))


def _team_answers(session, seller) -> int:
    session.expire_all()
    return session.scalar(select(func.coalesce(func.sum(ResponseRollup.answers), 0))
                          .where(ResponseRollup.salesperson_id == seller.id))


def _everything(session) -> str:
    """Every row of every table, as text: what the database still holds."""
    session.expire_all()
    return "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                     for row in session.execute(table.select()))


def test_get_and_head_only_ask(client, session, make_user, answered):
    given = answered(make_user(name="Ana Lopez"))
    url = f"/s/{given.token}/delete"
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        assert client.head(url).status_code == 200
    assert "Delete your answer?" in page.text and "with Ana" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert _count(session, Response.id) == 1
    assert _count(session, Reflection.id) == 1


def test_post_erases_the_answer_and_everything_about_it(app, client, session, make_user,
                                                        answered):
    seller = make_user()
    given = answered(seller)
    kept = answered(seller)  # another customer's answer stays
    assert _team_answers(session, seller) == 2
    url = f"/s/{given.token}/delete"
    done = client.post(url, data={"csrf_token": csrf_from(client.get(url).text)})
    assert done.status_code == 200
    assert "Your answer is deleted." in done.text
    assert _team_answers(session, seller) == 1  # team totals stop counting it

    held = _everything(session)
    for words in given.strings:
        assert words not in held, f"{words!r} survived deletion"
    for words in kept.strings:
        assert words in held
    assert session.get(Response, given.response_id) is None
    assert _count(session, Reflection.id) == 1 and _count(session, CoachingNote.id) == 1
    assert session.execute(select(share_answers.c.response_id)).scalars().all() == [
        kept.response_id]
    assert _count(session, Share.id) == 2  # the share itself stays; it now lists nothing

    invitation = session.get(Invitation, given.invitation_id)
    assert invitation.status is InvitationStatus.EXPIRED  # sent, and no answer
    assert invitation.answered_at is None and invitation.first_sent_at is not None
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "customer.answer_deleted")).one()
    assert (event.actor_id, event.subject_id, event.details) == (None, None, {})

    # The salesperson no longer sees it; the survey link no longer opens the form.
    mine = privacy.my_feedback(session, seller)
    assert [item.id for item in mine] == [kept.response_id]
    assert client.get(f"/s/{given.token}").status_code == 404
    again = client.get(url)
    assert again.status_code == 200 and "There is no answer to delete" in again.text


def test_the_salesperson_stops_seeing_it_at_once(app, session, make_user, answered):
    seller = make_user()
    given = answered(seller)
    owner = app.test_client()
    Auth(owner).login(seller)
    assert given.words["improve_comment"] in owner.get("/me/feedback").text
    customer = app.test_client()
    url = f"/s/{given.token}/delete"
    customer.post(url, data={"csrf_token": csrf_from(customer.get(url).text)})
    assert given.words["improve_comment"] not in owner.get("/me/feedback").text


def test_an_expired_link_still_deletes(client, session, make_user, answered, settings):
    given = answered(make_user())
    invitation = session.get(Invitation, given.invitation_id)
    invitation.expires_at = clock.now() - timedelta(days=30)
    invitation.status = InvitationStatus.EXPIRED
    session.commit()
    url = f"/s/{given.token}/delete"
    page = client.get(url)
    assert page.status_code == 200 and "Delete your answer?" in page.text
    client.post(url, data={"csrf_token": csrf_from(page.text)})
    assert _count(session, Response.id) == 0


def test_post_without_csrf_token_changes_nothing(client, session, make_user, answered):
    given = answered(make_user())
    assert client.post(f"/s/{given.token}/delete").status_code == 400
    assert _count(session, Response.id) == 1


def test_unknown_or_malformed_links_are_404(client):
    assert client.get("/s/" + "B" * 32 + "/delete").status_code == 404
    assert client.get("/s/short/delete").status_code == 404


def test_no_answer_yet_says_so(client, session, make_user, survey_link):
    _, token = survey_link(make_user())
    page = client.get(f"/s/{token}/delete")
    assert page.status_code == 200 and "There is no answer to delete" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]
