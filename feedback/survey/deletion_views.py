"""The customer's "delete my answer" pages, on the `survey` blueprint.

Every survey email and the thank-you page link here. GET shows what will happen and
changes nothing (mail scanners open links); the POST, a normal form with a CSRF
token, erases. Works on expired links too: deletion is a right, not a feature of an
open survey. Only a link we never sent, or one past retention, is a 404.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_wtf import FlaskForm
from wtforms import SubmitField

from feedback.core import settings
from feedback.core.access import public
from feedback.core.extensions import db
from feedback.models import Invitation
from feedback.survey import bp, customer_rights, tokens


class DeleteAnswerForm(FlaskForm):
    submit = SubmitField("Delete my answer")


def _invitation(token: str) -> Invitation:
    invitation = tokens.find_invitation(db.session, token)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/s/<token>/delete", methods=["GET", "HEAD", "POST"])
@public
def delete_answer(token: str):
    invitation = _invitation(token)
    context = {
        "salesperson_first_name": invitation.engagement.salesperson.first_name,
        "org_name": settings.current().org_name,
        "token": token,
    }
    form = DeleteAnswerForm()
    if request.method == "POST" and form.validate_on_submit():
        deleted = customer_rights.delete_answer(db.session, invitation)
        db.session.commit()
        return render_template("survey/answer_deleted.html", deleted=deleted, **context)
    return render_template("survey/delete_answer.html", form=form,
                           has_answer=customer_rights.has_answer(db.session, invitation),
                           **context)
