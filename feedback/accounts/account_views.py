"""My account, for every role: change my password, see and end my signed-in sessions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from feedback.accounts import bp, signin
from feedback.accounts import passwords as accounts
from feedback.accounts import sessions as staff_sessions
from feedback.accounts.links import MAX_PASSWORD_LENGTH
from feedback.accounts.passwords import MIN_PASSWORD_LENGTH, AccountError, WrongPassword
from feedback.accounts.throttle import password_change_limits
from feedback.core import audit
from feedback.core.extensions import db


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[
        DataRequired("Please type your current password."), Length(max=MAX_PASSWORD_LENGTH)])
    password = PasswordField("New password", validators=[
        DataRequired("Please choose a new password."),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")])
    confirm = PasswordField("The new password again", validators=[
        DataRequired("Please type the new password twice."),
        EqualTo("password", message="The two new passwords are not the same.")])
    submit = SubmitField("Change my password")


class EndSessionsForm(FlaskForm):
    submit = SubmitField("Sign out")


def _page(form: ChangePasswordForm, status: int = 200):
    sessions = staff_sessions.list_for(db.session, current_user, signin.timeouts(),
                                       current_key=signin.current_key())
    return render_template("auth/account.html", form=form, sessions=sessions,
                           end_form=EndSessionsForm(), min_length=MIN_PASSWORD_LENGTH), status


@bp.get("/account")
def account():
    return _page(ChangePasswordForm())


@bp.post("/account/password")
@password_change_limits
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current.data,
                                     form.password.data)
        except WrongPassword as error:
            db.session.rollback()
            form.current.errors.append(str(error))
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            ended = staff_sessions.end_all(db.session, current_user,
                                           keep_key=signin.current_key())
            audit.record(db.session, current_user, "auth.password_changed",
                         subject_type="user", subject_id=current_user.id, sessions_ended=ended)
            db.session.commit()
            flash("Your password is changed. Any other browser signed in as you is signed out.",
                  "success")
            return redirect(url_for("auth.account"))
    return _page(form, 422)


@bp.post("/account/sessions/others/end")
def end_other_sessions():
    if EndSessionsForm().validate_on_submit():
        ended = staff_sessions.end_all(db.session, current_user, keep_key=signin.current_key())
        db.session.commit()
        flash(f"Signed out of {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/<int:session_id>/end")
def end_session(session_id: int):
    if not EndSessionsForm().validate_on_submit():
        abort(400)
    if not staff_sessions.end_one(db.session, current_user, session_id):
        abort(404)
    db.session.commit()
    flash("That session is signed out.", "success")
    return redirect(url_for("auth.account"))
