"""Admin: teams. Create, rename, and choose who manages and who sells in each."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from feedback.admin import bp, team_setup
from feedback.admin.forms import TeamNameForm, TeamPeopleForm
from feedback.admin.team_setup import TeamError
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.models import Role, Team, User


def _team(team_id: int) -> Team:
    try:
        return team_setup.get_team(db.session, team_id)
    except NotVisible:
        abort(404)


def _people_form(team: Team) -> TeamPeopleForm:
    """The form with every manager and salesperson who could be chosen (active, or already in)."""
    form = TeamPeopleForm(data={
        "managers": [u.id for u in team.managers],
        "members": [u.id for u in team.members if u.role is Role.SALESPERSON],
    })

    def choices(role: Role, already: list[int]):
        users = db.session.execute(
            select(User).where(User.role == role,
                               or_(User.active.is_(True), User.id.in_(already)))
            .order_by(User.name, User.id)
        ).scalars()
        return [(u.id, u.name if u.active else f"{u.name} (deactivated)") for u in users]

    form.managers.choices = choices(Role.MANAGER, [u.id for u in team.managers])
    form.members.choices = choices(Role.SALESPERSON, [u.id for u in team.members])
    return form


def _other_team_names(team: Team) -> dict[int, str]:
    """For each salesperson now in another team, its name (ticking them moves them)."""
    rows = db.session.execute(
        select(User.id, Team.name).join(Team, Team.id == User.team_id)
        .where(User.role == Role.SALESPERSON, User.team_id != team.id)
    ).all()
    return dict(rows)


@bp.get("/teams")
def teams():
    return render_template("admin/teams.html", rows=team_setup.list_teams(db.session))


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team():
    form = TeamNameForm()
    if form.validate_on_submit():
        try:
            team = team_setup.create_team(db.session, current_user, form.name.data)
        except TeamError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            team_id = team.id
            db.session.commit()
            flash("Team created. Now choose its managers and salespeople.", "success")
            return redirect(url_for("admin.team", team_id=team_id))
    return render_template("admin/team_new.html", form=form)


@bp.get("/teams/<int:team_id>")
def team(team_id: int):
    team = _team(team_id)
    return render_template("admin/team.html", team=team,
                           name_form=TeamNameForm(data={"name": team.name}),
                           people_form=_people_form(team),
                           elsewhere=_other_team_names(team))


@bp.post("/teams/<int:team_id>/name")
def rename_team(team_id: int):
    team = _team(team_id)
    form = TeamNameForm()
    if form.validate_on_submit():
        try:
            team_setup.rename_team(db.session, current_user, team, form.name.data)
        except TeamError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash("Team renamed.", "success")
            return redirect(url_for("admin.team", team_id=team_id))
    return render_template("admin/team.html", team=team, name_form=form,
                           people_form=_people_form(team),
                           elsewhere=_other_team_names(team)), 422


@bp.post("/teams/<int:team_id>/people")
def team_people(team_id: int):
    team = _team(team_id)
    form = _people_form(team)
    if form.validate_on_submit():
        try:
            team_setup.set_managers(db.session, current_user, team, form.managers.data or [])
            team_setup.set_members(db.session, current_user, team, form.members.data or [])
        except TeamError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Saved who manages and who sells in this team.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(f"Nothing was saved: {error}", "error")
    return redirect(url_for("admin.team", team_id=team_id))
