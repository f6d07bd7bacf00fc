"""Signing in and out, and the page each role lands on."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback.accounts import bp, signin
from feedback.accounts import passwords as accounts
from feedback.accounts.forms import LoginForm, LogoutForm
from feedback.accounts.throttle import sign_in_limits
from feedback.core import audit
from feedback.core.access import is_safe_next, public
from feedback.core.extensions import db
from feedback.models import Role


@bp.get("/")
def home():
    if current_user.role is Role.SALESPERSON:
        return redirect(url_for("me.feedback"))
    return render_template("auth/home.html")


@bp.route("/login", methods=["GET", "POST"])
@public
@sign_in_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            # One message whether or not the account exists.
            form.form_errors.append("That email and password don't match an active account.")
        else:
            signin.sign_in(user)
            audit.record(db.session, user, "auth.login")
            db.session.commit()
            target = form.next.data if is_safe_next(form.next.data) else url_for("auth.home")
            return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        signin.sign_out()
        db.session.commit()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))

