"""Server-side staff sessions: a new key at sign-in, and sign-out, deactivation, a new
password and the idle and absolute timeouts each end a session on the server, so a
copied cookie stops working too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from feedback.accounts import sessions as staff_sessions
from feedback.core import clock
from feedback.models import Role, StaffSession
from tests.conftest import PASSWORD, Auth, csrf_from


def _live_sessions(session, user) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(StaffSession)
                          .where(StaffSession.user_id == user.id))


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _copy_cookies(source, target) -> None:
    """What a thief does with a stolen cookie: present it from another browser."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain)


def test_sign_in_starts_a_new_session_and_the_cookie_holds_no_user_id(client, auth,
                                                                      make_user, session):
    user = make_user()
    with client.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"
        before = dict(cookie)
    auth.login(user)
    with client.session_transaction() as cookie:
        after = dict(cookie)
    assert "planted" not in after, "data from before sign-in must not carry over"
    assert after["_user_id"] != before.get("_user_id")
    assert after["_user_id"] != str(user.id)
    assert len(after["_user_id"]) >= 40  # a random key, not a guessable id
    assert _live_sessions(session, user) == 1
    # The database keeps only a hash of the key.
    stored = session.scalar(select(StaffSession.key_hash).where(StaffSession.user_id == user.id))
    assert after["_user_id"] not in stored


def test_each_sign_in_gets_its_own_key(app, make_user, session):
    user = make_user()
    keys = set()
    for _ in range(2):
        client = app.test_client()
        Auth(client).login(user)
        with client.session_transaction() as cookie:
            keys.add(cookie["_user_id"])
    assert len(keys) == 2
    assert _live_sessions(session, user) == 2


def test_sign_out_ends_the_session_on_the_server_so_a_copied_cookie_fails(app, make_user,
                                                                          session):
    user = make_user()
    mine, thief = app.test_client(), app.test_client()
    Auth(mine).login(user)
    _copy_cookies(mine, thief)
    assert _signed_in(thief), "the copy works while the session lives (that is the point)"
    Auth(mine).logout()
    assert _live_sessions(session, user) == 0
    assert not _signed_in(thief)
    assert not _signed_in(mine)


def test_deactivating_a_user_ends_their_sessions(app, client, make_user, session, post_form):
    admin = make_user(Role.ADMIN)
    seller = make_user()
    theirs = app.test_client()
    Auth(theirs).login(seller)
    assert _signed_in(theirs)
    Auth(client).login(admin)
    response = post_form(f"/admin/users/{seller.id}/deactivate", {},
                         page_url=f"/admin/users/{seller.id}")
    assert response.status_code == 302
    assert _live_sessions(session, seller) == 0
    assert not _signed_in(theirs)


def test_changing_my_password_ends_my_other_sessions_but_not_this_one(app, client, auth,
                                                                      make_user, session):
    user = make_user()
    laptop = app.test_client()
    Auth(laptop).login(user)
    auth.login(user)
    page = client.get("/account")
    assert "(this browser)" in page.text
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": "a brand new passphrase",
        "confirm": "a brand new passphrase", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(laptop)
    assert _live_sessions(session, user) == 1
    # The new password is the one that works now.
    fresh = app.test_client()
    assert Auth(fresh).login(user, "a brand new passphrase").status_code == 302


def test_a_wrong_current_password_changes_nothing(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.get("/account")
    response = client.post("/account/password", data={
        "current": "not my password", "password": "a brand new passphrase",
        "confirm": "a brand new passphrase", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "Your current password is not right." in response.text
    assert _signed_in(client)
    assert Auth(app.test_client()).login(user, PASSWORD).status_code == 302
    assert Auth(app.test_client()).login(user, "a brand new passphrase").status_code == 200


def test_using_a_reset_link_ends_every_session(app, client, make_user, session):
    from feedback.accounts import links as account_links

    user = make_user()
    other = app.test_client()
    Auth(other).login(user)
    link = account_links.issue(session, user)
    session.commit()
    url = f"/account/set-password/{link.raw_token}"
    page = client.get(url)
    response = client.post(url, data={"password": "another long passphrase",
                                      "confirm": "another long passphrase",
                                      "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert _live_sessions(session, user) == 0
    assert not _signed_in(other)


@pytest.mark.parametrize("column, age", [("last_seen_at", timedelta(minutes=31)),
                                         ("created_at", timedelta(hours=12, seconds=1))])
def test_idle_and_absolute_timeouts_sign_the_browser_out(client, auth, make_user, session,
                                                         column, age):
    user = make_user()
    auth.login(user)
    assert _signed_in(client)
    moment = clock.now() - age
    values = {column: moment}
    if column == "created_at":
        values["last_seen_at"] = clock.now()  # active all along: only the absolute limit
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id).values(**values))
    session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert _live_sessions(session, user) == 0


def test_activity_keeps_a_session_alive_past_the_idle_limit(client, auth, make_user, session):
    user = make_user()
    auth.login(user)
    # Last seen 29 minutes ago: still alive, and this request marks it seen again.
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id)
                    .values(last_seen_at=clock.now() - timedelta(minutes=29)))
    session.commit()
    assert _signed_in(client)
    session.expire_all()
    seen = session.scalar(select(StaffSession.last_seen_at)
                          .where(StaffSession.user_id == user.id))
    assert clock.now() - seen < timedelta(minutes=1)


def test_the_timeouts_come_from_configuration(app, client, auth, make_user, session,
                                              monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    user = make_user()
    auth.login(user)
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id)
                    .values(last_seen_at=clock.now() - timedelta(minutes=6)))
    session.commit()
    assert not _signed_in(client)


def test_resume_service_refuses_expired_and_unknown_keys(session, make_user):
    user = make_user()
    timeouts = staff_sessions.Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    start = clock.now()
    key = staff_sessions.start(session, user, now=start)
    session.commit()
    assert staff_sessions.resume(session, key, timeouts, now=start + timedelta(minutes=29)) == user
    assert staff_sessions.resume(session, "not-a-key", timeouts, now=start) is None
    assert staff_sessions.resume(session, key, timeouts,
                                 now=start + timedelta(minutes=29 + 31)) is None
    assert staff_sessions.resume(session, key, timeouts, now=start) is None  # deleted


def test_purge_expired_keeps_live_sessions(session, make_user):
    user = make_user()
    timeouts = staff_sessions.Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    now = clock.now()
    staff_sessions.start(session, user, now=now - timedelta(hours=2))
    live = staff_sessions.start(session, user, now=now)
    session.commit()
    assert staff_sessions.purge_expired(session, timeouts, now=now) == 1
    assert staff_sessions.resume(session, live, timeouts, now=now) == user


def test_i_can_end_one_of_my_sessions_but_not_someone_elses(app, client, auth, make_user,
                                                           session):
    me, colleague = make_user(), make_user()
    phone = app.test_client()
    Auth(phone).login(me)
    theirs = app.test_client()
    Auth(theirs).login(colleague)
    auth.login(me)
    [phone_row] = [row for row in session.scalars(
        select(StaffSession).where(StaffSession.user_id == me.id).order_by(StaffSession.id))][:1]
    their_row = session.scalar(select(StaffSession).where(StaffSession.user_id == colleague.id))
    token = csrf_from(client.get("/account").text)
    assert client.post(f"/account/sessions/{their_row.id}/end",
                       data={"csrf_token": token}).status_code == 404
    assert _signed_in(theirs)
    assert client.post(f"/account/sessions/{phone_row.id}/end",
                       data={"csrf_token": token}).status_code == 302
    assert not _signed_in(phone)
    assert _signed_in(client)


def test_sign_out_everywhere_else(app, client, auth, make_user, session):
    me = make_user()
    others = [app.test_client() for _ in range(2)]
    for other in others:
        Auth(other).login(me)
    auth.login(me)
    page = client.get("/account")
    assert page.text.count("Sign out</button>") >= 2
    client.post("/account/sessions/others/end", data={"csrf_token": csrf_from(page.text)})
    assert [_signed_in(other) for other in others] == [False, False]
    assert _signed_in(client)
    assert _live_sessions(session, me) == 1
