""""Forgot your password?": a public page that emails a short-lived set-password link.

It answers the same way whether or not the address has an account, and sends the
email after the response has gone, so its timing does not tell either.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length

from feedback.accounts import bp
from feedback.accounts import link_mail as account_mail
from feedback.accounts import links as account_links
from feedback.accounts.throttle import reset_limits
from feedback.admin.delivery_report import failure_kind
from feedback.core import settings
from feedback.core.access import public
from feedback.core.extensions import db


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Your work email", validators=[
        DataRequired("Please enter your email address."), Length(max=254)])
    submit = SubmitField("Email me a link")


@bp.route("/account/forgot-password", methods=["GET", "POST"])
@public
@reset_limits
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        link = account_links.request_reset(db.session, form.email.data)
        db.session.commit()
        response = redirect(url_for("auth.reset_requested"))
        if link is not None:
            response.call_on_close(_sender(link))
        return response
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.get("/account/forgot-password/sent")
@public
def reset_requested():
    return render_template("auth/reset_requested.html")


def _sender(link: account_links.IssuedLink):
    """Send once the response is out: built now (it needs this request's data)."""
    message = account_mail.build(link, settings.current())
    user_id = link.user.id
    app = current_app._get_current_object()

    def send() -> None:
        with app.app_context():
            try:
                account_mail.deliver(message)
            except account_mail.SendFailure as failure:
                # The person can simply ask again; the link itself is never logged.
                app.logger.warning("password-reset email for user %s not sent: %s",
                                   user_id, failure_kind(failure.reason))

    return send
