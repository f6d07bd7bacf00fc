"""Admin: people. Invite, change role or team, deactivate, reactivate, send a new link.

Set-password links are emailed to their owner only and never shown here: an admin who
could see one could sign in as that person and read their feedback.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from feedback.accounts import link_mail as account_mail
from feedback.accounts import links as account_links
from feedback.accounts.passwords import AccountError
from feedback.admin import bp, people
from feedback.admin.delivery_report import failure_kind
from feedback.admin.forms import NO_TEAM, ConfirmForm, InviteForm, PersonForm, team_choices
from feedback.admin.people import PeopleError
from feedback.core import settings
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.models import Role, Team, User


def _teams() -> list[Team]:
    return list(db.session.execute(select(Team).order_by(Team.name)).scalars())


def _team(team_id: int) -> Team | None:
    return db.session.get(Team, team_id) if team_id != NO_TEAM else None


def _person(user_id: int) -> User:
    try:
        return people.get_user(db.session, user_id)
    except NotVisible:
        abort(404)


def _email_link(link: account_links.IssuedLink) -> None:
    """Send after commit; if the relay refuses, say so (a new link can be sent later)."""
    user_id, name = link.user.id, link.user.name
    try:
        account_mail.send(link, settings.current())
    except account_mail.SendFailure as failure:
        # The reason can quote the address: log its kind only.
        current_app.logger.warning("set-password email for user %s not sent: %s", user_id,
                                   failure_kind(failure.reason))
        flash(f"Saved, but the email to {name} could not be sent: the mail relay did not "
              "accept it. Use \"Send a new link\" on their page once mail works again.",
              "error")
    else:
        hours = int(account_links.LIFETIME[link.purpose].total_seconds() // 3600)
        flash(f"{name} was emailed a link to set their password. It works once, for "
              f"{hours} hours.", "success")


@bp.get("/users")
def users():
    rows = people.list_people(db.session)
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    form.team.choices = team_choices(_teams())
    if form.validate_on_submit():
        try:
            link = people.invite(db.session, current_user, email=form.email.data,
                                 name=form.name.data, role=Role(form.role.data),
                                 team=_team(form.team.data))
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            user_id = link.user.id
            db.session.commit()
            _email_link(link)
            return redirect(url_for("admin.person", user_id=user_id))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int):
    user = _person(user_id)
    form = PersonForm(data={"role": user.role.value, "team": user.team_id or NO_TEAM})
    form.team.choices = team_choices(_teams())
    if form.validate_on_submit():
        try:
            people.change_role(db.session, current_user, user, Role(form.role.data))
            people.set_team(db.session, current_user, user, _team(form.team.data))
        except PeopleError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("admin.person", user_id=user_id))
    state = people.state_of(db.session, user)
    return render_template("admin/person.html", person=user, form=form, state=state,
                           action=ConfirmForm(), is_self=user.id == current_user.id)


def _act(user_id: int, change, done: str):
    user = _person(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            result = change(db.session, current_user, user)
        except (PeopleError, AccountError) as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            if isinstance(result, account_links.IssuedLink):
                _email_link(result)
            else:
                flash(done.format(name=user.name), "success")
    return redirect(url_for("admin.person", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _act(user_id, people.deactivate,
                "{name} is deactivated and signed out everywhere.")


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _act(user_id, people.reactivate, "{name} can sign in again.")


@bp.post("/users/<int:user_id>/send-link")
def send_link(user_id: int):
    return _act(user_id, people.resend_link, "")
