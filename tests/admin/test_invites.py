"""Inviting a colleague: one email with a single-use, expiring set-password link that
only they receive, kept only as a hash."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from feedback.core import clock
from feedback.models import AccountLink, AccountLinkPurpose, AuditEvent, Role, User
from tests.conftest import csrf_from

LINK = re.compile(r"https://feedback\.test(/account/set-password/([A-Za-z0-9_-]{43}))")
NEW_PASSWORD = "a new and long passphrase"


def _invite(post_form, email="new.person@staff.example", follow_redirects=False):
    return post_form("/admin/users/invite", {"name": "Nia New", "email": email,
                                             "role": "salesperson", "team": "0"},
                     follow_redirects=follow_redirects)


def _link_in_mail(smtp_server, email):
    [received] = smtp_server.messages_to(email)
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    return LINK.search(body).groups()


def test_invite_emails_a_link_that_the_admin_never_sees(
        client, session, admin, post_form, smtp_server):
    response = _invite(post_form, follow_redirects=True)
    assert response.status_code == 200
    assert "was emailed a link" in response.text
    path, token = _link_in_mail(smtp_server, "new.person@staff.example")
    assert token not in response.text
    for page in ("/admin/users", response.request.path, "/admin/audit"):
        assert token not in client.get(page).text

    user = session.scalars(select(User).where(User.email == "new.person@staff.example")).one()
    assert (user.role, user.password_hash, user.active) == (Role.SALESPERSON, None, True)
    link = session.scalars(select(AccountLink)).one()
    assert link.purpose is AccountLinkPurpose.INVITE
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(session.execute(select(AccountLink.__table__)).all())
    assert timedelta(hours=71) < link.expires_at - link.created_at <= timedelta(hours=72)
    assert "invited" in client.get("/admin/users").text
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "admin.user.invite")).one()
    assert (event.actor_id, event.subject_id) == (admin.id, user.id)
    assert "new.person" not in repr(event.details)


def test_the_link_sets_a_password_once_and_the_person_can_sign_in(
        app, admin, post_form, smtp_server, browser, session):
    _invite(post_form)
    path, token = _link_in_mail(smtp_server, "new.person@staff.example")
    newcomer, newcomer_auth = browser()
    form = newcomer.get(path)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "Welcome, Nia" in form.text
    assert session.scalars(select(AccountLink)).one().used_at is None  # GET spends nothing

    done = newcomer.post(path, data={"csrf_token": csrf_from(form.text),
                                     "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].startswith("/login")
    user = session.scalars(select(User).where(User.email == "new.person@staff.example")).one()
    assert newcomer_auth.login(user, NEW_PASSWORD).status_code == 302
    assert newcomer.get("/me/feedback").status_code == 200

    again = browser()[0]
    assert again.get(path).status_code == 404
    assert "expired or was already used" in again.get(path).text


def test_mismatched_or_short_passwords_are_clear_errors_and_spend_nothing(
        admin, post_form, smtp_server, browser, session):
    _invite(post_form)
    path, _ = _link_in_mail(smtp_server, "new.person@staff.example")
    newcomer = browser()[0]
    token = csrf_from(newcomer.get(path).text)
    short = newcomer.post(path, data={"csrf_token": token, "password": "short",
                                      "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = newcomer.post(path, data={"csrf_token": token, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "not the same" in differ.text
    assert session.scalars(select(AccountLink)).one().used_at is None


def test_an_expired_link_does_not_work(client, admin, post_form, smtp_server, browser,
                                      session):
    _invite(post_form)
    path, token = _link_in_mail(smtp_server, "new.person@staff.example")
    link = session.scalars(select(AccountLink)).one()
    link.expires_at = clock.now() - timedelta(seconds=1)
    session.commit()
    visitor = browser()[0]
    page = visitor.get(path)
    assert page.status_code == 404
    assert visitor.post(path, data={"csrf_token": csrf_from(client.get("/admin/users").text),
                                    "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                        ).status_code in (400, 404)
    assert "invite expired" in client.get("/admin/users").text
    session.expire_all()
    assert session.scalars(select(AccountLink)).one().used_at is None


def test_a_new_link_replaces_the_old_one(client, admin, post_form, smtp_server, session,
                                         browser):
    _invite(post_form)
    old_path, _ = _link_in_mail(smtp_server, "new.person@staff.example")
    user = session.scalars(select(User).where(User.email == "new.person@staff.example")).one()
    smtp_server.reset()
    sent = post_form(f"/admin/users/{user.id}/send-link", {},
                     page_url=f"/admin/users/{user.id}", follow_redirects=True)
    assert "was emailed a link" in sent.text
    new_path, _ = _link_in_mail(smtp_server, "new.person@staff.example")
    visitor = browser()[0]
    assert visitor.get(old_path).status_code == 404
    assert visitor.get(new_path).status_code == 200


def test_a_reset_link_for_someone_with_a_password(
        admin, make_user, post_form, smtp_server, browser):
    seller = make_user(email="sam.seller@staff.example")
    post_form(f"/admin/users/{seller.id}/send-link", {}, page_url=f"/admin/users/{seller.id}")
    path, _ = _link_in_mail(smtp_server, seller.email)
    visitor, visitor_auth = browser()
    page = visitor.get(path)
    assert "Set a new password" in page.text
    # Until the link is used, the old password still works.
    assert visitor_auth.login(seller).status_code == 302


def test_relay_down_keeps_the_account_and_says_so(
        client, admin, post_form, smtp_server, session):
    page_token = csrf_from(client.get("/admin/users/invite").text)
    smtp_server.down()
    response = client.post("/admin/users/invite", data={
        "csrf_token": page_token, "name": "Olu Offline", "email": "olu@staff.example",
        "role": "manager", "team": "0"}, follow_redirects=True)
    assert response.status_code == 200
    assert "could not be sent" in response.text
    user = session.scalars(select(User).where(User.email == "olu@staff.example")).one()
    smtp_server.up()
    post_form(f"/admin/users/{user.id}/send-link", {}, page_url=f"/admin/users/{user.id}")
    assert len(smtp_server.messages_to("olu@staff.example")) == 1


def test_invite_refuses_a_taken_or_bad_address(admin, post_form, make_user, session):
    taken = make_user()
    assert "already exists" in _invite(post_form, email=taken.email).text
    assert "does not look right" in _invite(post_form, email="not-an-address").text
    assert session.scalars(select(AccountLink)).all() == []
