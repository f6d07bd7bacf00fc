"""Public pages a customer reaches from the email. GET and HEAD never change anything."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from feedback.access import public
from feedback.extensions import csrf, db
from feedback.models import Invitation, Pressure, SuppressionReason
from feedback.services import answers, settings, suppressions, tokens
from feedback.services.errors import AnswerLocked, InvitationClosed
from feedback.survey.forms import SurveyForm, UnsubscribeForm

bp = Blueprint("survey", __name__)


@bp.after_request
def survey_headers(response):
    # The token is in the URL: never leak it to another site, never cache the page.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _open_invitation(token: str) -> Invitation:
    try:
        return answers.ensure_open(tokens.find_invitation(db.session, token))
    except InvitationClosed:
        abort(404)


def _context(invitation: Invitation, current: settings.Settings) -> dict:
    engagement = invitation.engagement
    return {
        "salesperson_first_name": engagement.salesperson.first_name,
        "org_name": current.org_name,
        "occurred_at": engagement.occurred_at,
    }


@bp.route("/s/<token>", methods=["GET", "HEAD", "POST"])
@public
def answer(token: str):
    found = tokens.find_for_survey(db.session, token)
    try:
        invitation = answers.ensure_open(found[0] if found else None)
    except InvitationClosed:
        abort(404)
    existing = found[1]
    current = settings.current()
    if existing is not None and not answers.can_edit(existing, current):
        return render_template("survey/thanks.html", token=token, locked=True,
                               **_context(invitation, current))
    form = SurveyForm()
    if request.method == "POST":
        if form.validate():
            try:
                answers.record(db.session, invitation, _answers_from(form), current,
                               existing=existing)
            except AnswerLocked:
                db.session.rollback()
                return render_template("survey/thanks.html", token=token, locked=True,
                                       **_context(invitation, current))
            db.session.commit()
            return redirect(url_for("survey.thanks", token=token), code=303)
        return render_template("survey/form.html", form=form, token=token, editing=existing,
                               **_context(invitation, current)), 422
    if existing is not None:
        _prefill_from(form, existing)
    else:
        chosen = request.args.get("respected", type=int)
        if chosen in range(1, 6):
            form.respected.data = chosen
    return render_template("survey/form.html", form=form, token=token, editing=existing,
                           **_context(invitation, current))


@bp.get("/s/<token>/thanks")
@public
def thanks(token: str):
    invitation = _open_invitation(token)
    existing = answers.existing_answer(db.session, invitation)
    if existing is None:
        return redirect(url_for("survey.answer", token=token))
    current = settings.current()
    editable_until = existing.submitted_at + current.edit_window
    return render_template("survey/thanks.html", token=token, locked=False,
                           editable_until=editable_until, named=existing.reveal_identity,
                           **_context(invitation, current))


@bp.route("/u/<token>", methods=["GET", "HEAD", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    # Any link we ever sent unsubscribes, however old: the promise is "forever".
    invitation = tokens.find_invitation(db.session, token)
    if invitation is None:
        abort(404)
    form = UnsubscribeForm()
    if request.method == "POST":
        suppressions.suppress(db.session, invitation.engagement.customer.email,
                              SuppressionReason.UNSUBSCRIBED)
        db.session.commit()
        return render_template("survey/unsubscribed.html", org_name=settings.current().org_name)
    return render_template("survey/unsubscribe.html", form=form, token=token,
                           org_name=settings.current().org_name)


@bp.get("/about-answers")
@public
def about():
    current = settings.current()
    return render_template("survey/about.html", org_name=current.org_name,
                           min_group_responses=current.min_group_responses,
                           min_group_people=current.min_group_people,
                           edit_hours=int(current.edit_window.total_seconds() // 3600),
                           retention_days=current_app.config["RETENTION_DAYS"],
                           link_days=current.link_expiry.days)


def _answers_from(form: SurveyForm) -> answers.Answers:
    return answers.Answers(
        respected=form.respected.data,
        helped=form.helped.data,
        pressure=Pressure(form.pressure.data),
        doubtful_promise=form.doubtful_promise.data == "yes",
        promise_note=(form.promise_note.data or "").strip(),
        improve_comment=(form.improve_comment.data or "").strip(),
        product_comment=(form.product_comment.data or "").strip(),
        product_contact_ok=bool(form.product_contact_ok.data),
        reveal_identity=bool(form.reveal_identity.data),
    )


def _prefill_from(form: SurveyForm, response) -> None:
    form.respected.data = response.respected
    form.helped.data = response.helped
    form.pressure.data = response.pressure.value
    form.doubtful_promise.data = "yes" if response.doubtful_promise else "no"
    form.promise_note.data = response.promise_note
    form.improve_comment.data = response.improve_comment
    form.product_comment.data = response.product_comment
    form.product_contact_ok.data = response.product_contact_ok
    form.reveal_identity.data = response.reveal_identity


# "Delete my answer" pages register themselves on `bp`.
from feedback.survey import deletion  # noqa: E402, F401
