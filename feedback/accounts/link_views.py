"""Public pages behind a set-password link (an invite, or a new link from an admin).

Registered on the `auth` blueprint. GET shows the form and changes nothing; only the
POST spends the single-use link. The token is in the URL, so the page sends no
referrer and is never cached.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from feedback.accounts import bp, signin
from feedback.accounts import links as account_links
from feedback.accounts.passwords import MIN_PASSWORD_LENGTH, AccountError
from feedback.core.access import public
from feedback.core.error_pages import render_error
from feedback.core.extensions import db
from feedback.core.security import secret_url
from feedback.models import AccountLinkPurpose


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[
        DataRequired("Please choose a password."),
        Length(min=MIN_PASSWORD_LENGTH, max=account_links.MAX_PASSWORD_LENGTH,
               message=f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")])
    confirm = PasswordField("The same password again", validators=[
        DataRequired("Please type the password twice."),
        EqualTo("password", message="The two passwords are not the same.")])
    submit = SubmitField("Set my password")


_GONE = "This link has expired or was already used. Ask your admin to send you a new one."


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
@public
@secret_url
def set_password(token: str):
    try:
        link = account_links.find(db.session, token)
    except account_links.LinkInvalid:
        return render_error(404, _GONE)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = account_links.set_password(db.session, token, form.password.data)
        except account_links.LinkInvalid:
            db.session.rollback()
            return render_error(404, _GONE)
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            if current_user.is_authenticated:
                signin.sign_out()  # someone else's session in this browser must not carry on
            db.session.commit()
            flash(f"Your password is set, {user.first_name}. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/set_password.html", form=form, token=token, person=link.user,
                           min_length=MIN_PASSWORD_LENGTH,
                           invite=link.purpose is AccountLinkPurpose.INVITE), status
