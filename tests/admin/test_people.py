"""People: roles, teams, deactivation that signs someone out at once, and the two rules
that keep the system runnable (not yourself, not the last admin)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.accounts import links as account_links
from feedback.admin import people
from feedback.admin.people import PeopleError
from feedback.models import AccountLink, AuditEvent, Role, Team, User


def _post(post_form, user, action, data=None, follow=True):
    url = f"/admin/users/{user.id}" + (f"/{action}" if action else "")
    return post_form(url, data or {}, page_url=f"/admin/users/{user.id}",
                     follow_redirects=follow)


def _fresh(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def test_people_list_shows_everyone_by_name_with_their_state(client, admin, make_user):
    make_user(name="Zed Seller")
    make_user(Role.MANAGER, name="Amy Manager")
    make_user(name="Gone Person", active=False)
    page = client.get("/admin/users").text
    assert page.index("Ada Admin") < page.index("Amy Manager") < page.index("Zed Seller")
    assert "deactivated" in page


def test_deactivating_someone_ends_their_session_at_once(
        client, admin, make_user, browser, post_form, session):
    seller = make_user()
    seller_browser, seller_auth = browser()
    assert seller_auth.login(seller).status_code == 302
    assert seller_browser.get("/me/feedback").status_code == 200

    done = _post(post_form, seller, "deactivate")
    assert "signed out everywhere" in done.text
    assert _fresh(session, seller).active is False

    after = seller_browser.get("/me/feedback")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    # ...and cannot sign back in.
    again = seller_auth.login(seller)
    assert again.status_code == 200 and "match an active account" in again.text


def test_deactivation_stops_an_outstanding_invite(admin, make_user, session):
    invited = people.invite(session, admin, email="pending@staff.example", name="Pen Ding",
                            role=Role.SALESPERSON)
    session.commit()
    people.deactivate(session, admin, invited.user)
    session.commit()
    assert session.scalars(select(AccountLink)).all() == []
    with pytest.raises(account_links.LinkInvalid):
        account_links.find(session, invited.raw_token)


def test_reactivating_lets_them_sign_in_again(admin, make_user, browser, post_form, session):
    seller = make_user(active=False)
    done = _post(post_form, seller, "reactivate")
    assert "can sign in again" in done.text
    assert browser()[1].login(seller).status_code == 302
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "admin.user.reactivate" in actions


def test_an_admin_cannot_deactivate_or_demote_themself(client, admin, post_form, session):
    page = client.get(f"/admin/users/{admin.id}").text
    assert f"/admin/users/{admin.id}/deactivate" not in page  # no button offered...
    refused = _post(post_form, admin, "deactivate")  # ...and the rule holds anyway
    assert "cannot deactivate yourself" in refused.text
    demoted = _post(post_form, admin, None, {"role": "manager", "team": "0"})
    assert "cannot change your own role" in demoted.text
    me = _fresh(session, admin)
    assert (me.active, me.role) == (True, Role.ADMIN)


def test_the_last_admin_cannot_be_removed(admin, make_user, session):
    other = make_user(Role.ADMIN)
    # With two admins, one may go...
    people.deactivate(session, session.get(User, admin.id), session.get(User, other.id))
    session.commit()
    # ...but the last one stays, whoever asks.
    third = make_user(Role.ADMIN, active=False)
    with pytest.raises(PeopleError, match="last active admin"):
        people.deactivate(session, session.get(User, third.id), session.get(User, admin.id))
    with pytest.raises(PeopleError, match="last active admin"):
        people.change_role(session, session.get(User, third.id), session.get(User, admin.id),
                           Role.MANAGER)
    session.rollback()
    assert _fresh(session, admin).active is True


def test_role_and_team_change_is_saved_and_audited(admin, make_user, make_team, post_form,
                                                   session):
    seller = make_user()
    north = make_team("North")
    session.commit()
    done = _post(post_form, seller, None, {"role": "salesperson", "team": str(north.id)})
    assert "Saved." in done.text
    assert _fresh(session, seller).team_id == north.id
    promoted = _post(post_form, seller, None, {"role": "manager", "team": "0"})
    assert "Saved." in promoted.text
    user = _fresh(session, seller)
    assert (user.role, user.team_id) == (Role.MANAGER, None)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["admin.user.team", "admin.user.role", "admin.user.team"]


def test_someone_who_stops_managing_leaves_their_teams(admin, make_user, session):
    manager = make_user(Role.MANAGER)
    team = Team(name="Coached")
    team.managers.append(session.get(User, manager.id))
    session.add(team)
    session.commit()
    people.change_role(session, session.get(User, admin.id), session.get(User, manager.id),
                       Role.SALESPERSON)
    session.commit()
    session.expire_all()
    assert session.get(Team, team.id).managers == []


def test_unknown_person_is_404(client, admin):
    assert client.get("/admin/users/999999").status_code == 404
