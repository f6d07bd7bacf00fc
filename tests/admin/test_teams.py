"""Teams: create, rename, and who manages and who sells in each."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import AuditEvent, Role, Team, User


def _team(session, name) -> Team:
    session.expire_all()
    return session.scalars(select(Team).where(Team.name == name)).one()


def test_create_and_rename_a_team(client, admin, post_form, session):
    created = post_form("/admin/teams/new", {"name": "  North   Sales "}, follow_redirects=True)
    assert "Team created" in created.text
    team = _team(session, "North Sales")  # spaces tidied
    renamed = post_form(f"/admin/teams/{team.id}/name", {"name": "North"},
                        page_url=f"/admin/teams/{team.id}", follow_redirects=True)
    assert "Team renamed" in renamed.text
    assert _team(session, "North").id == team.id
    assert "North" in client.get("/admin/teams").text
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["admin.team.create", "admin.team.rename"]


def test_team_names_are_unique_regardless_of_case(admin, make_team, post_form, session):
    make_team("South")
    session.commit()
    clash = post_form("/admin/teams/new", {"name": "south"})
    assert clash.status_code == 200
    assert "already a team with that name" in clash.text
    empty = post_form("/admin/teams/new", {"name": "   "})
    assert "give the team a name" in empty.text
    assert session.scalars(select(Team.name)).all() == ["South"]


def test_choose_managers_and_members(client, admin, make_user, make_team, post_form, session):
    east, west = make_team("East"), make_team("West")
    session.commit()
    manager = make_user(Role.MANAGER, name="Maya Manager")
    stay = make_user(team=west, name="Stay Seller")
    move = make_user(team=west, name="Move Seller")
    page = client.get(f"/admin/teams/{east.id}").text
    assert "Maya Manager" in page and "(now in West)" in page

    saved = post_form(f"/admin/teams/{east.id}/people",
                      {"managers": [str(manager.id)], "members": [str(move.id)]},
                      page_url=f"/admin/teams/{east.id}", follow_redirects=True)
    assert "Saved who manages" in saved.text
    session.expire_all()
    assert [u.id for u in session.get(Team, east.id).managers] == [manager.id]
    assert session.get(User, move.id).team_id == east.id
    assert session.get(User, stay.id).team_id == west.id

    # Unticking everyone empties the team.
    post_form(f"/admin/teams/{east.id}/people", {}, page_url=f"/admin/teams/{east.id}")
    session.expire_all()
    assert session.get(Team, east.id).managers == []
    assert session.get(User, move.id).team_id is None


def test_only_managers_manage_and_only_salespeople_sell(admin, make_user, make_team,
                                                        post_form, session):
    team = make_team("Mixed")
    session.commit()
    seller = make_user(name="Sal Seller")
    product = make_user(Role.PRODUCT, name="Pat Product")
    refused = post_form(f"/admin/teams/{team.id}/people", {"managers": [str(seller.id)]},
                        page_url=f"/admin/teams/{team.id}", follow_redirects=True)
    assert "Only people with the manager role can manage a team: Sal Seller" in refused.text
    refused = post_form(f"/admin/teams/{team.id}/people", {"members": [str(product.id)]},
                        page_url=f"/admin/teams/{team.id}", follow_redirects=True)
    assert "Only salespeople can be team members: Pat Product" in refused.text
    session.expire_all()
    assert session.get(Team, team.id).managers == []
    assert session.get(User, product.id).team_id is None


def test_unknown_team_is_404(client, admin):
    assert client.get("/admin/teams/999999").status_code == 404
