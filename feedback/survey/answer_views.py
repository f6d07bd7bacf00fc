"""Public pages a customer reaches from the email. GET and HEAD never change anything."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from feedback.core import settings
from feedback.core.access import public
from feedback.core.errors import AnswerLocked, InvitationClosed
from feedback.core.extensions import csrf, db, limiter
from feedback.models import Invitation, Pressure, Response, SuppressionReason
from feedback.survey import answers, bp, tokens, writers
from feedback.survey import do_not_survey as suppressions
from feedback.survey.choices import choice_group
from feedback.survey.forms import LABELS, QUESTIONS, SurveyForm, UnsubscribeForm


@bp.after_request
def survey_headers(response):
    # (No-referrer and no-store come from security.private_pages: a secret URL.)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@limiter.request_filter
def _survey_pages_are_not_rate_limited() -> bool:
    # No limit applies to a customer's pages (guessing a 128-bit token is hopeless, and
    # sending again only edits one's own answer). Saying so up front spares every survey
    # request the limiter's search for limits, a tenth of the page's time.
    return request.blueprint == bp.name


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


def _link_context(link: tokens.SurveyLink, current: settings.Settings) -> dict:
    return {
        "salesperson_first_name": link.salesperson_first_name,
        "org_name": current.org_name,
        "occurred_at": link.engagement.occurred_at,
    }


@bp.route("/s/<token>", methods=["GET", "HEAD", "POST"])
@public
def answer(token: str):
    try:
        link = answers.ensure_open(tokens.find_link(db.session, token))
    except InvitationClosed:
        abort(404)
    existing = db.session.get(Response, link.response_id) if link.response_id else None
    current = settings.current()
    if existing is not None and not answers.can_edit(existing, current):
        return render_template("survey/thanks.html", token=token, locked=True,
                               **_link_context(link, current))
    if request.method != "POST":
        # Showing the form needs no form object: only the values to show.
        if existing is not None:
            values = _values_of(existing)
        else:
            chosen = request.args.get("respected", type=int)
            values = {"respected": str(chosen)} if chosen in range(1, 6) else {}
        return _form_page(link, current, token, existing, values, {})
    # CSRFProtect has checked this POST's token already (before any view runs).
    form = SurveyForm(meta={"csrf": False})
    if not form.validate():
        return _form_page(link, current, token, existing, form.shown_values(),
                          form.errors), 422
    try:
        with writers.one_writer_at_a_time(db.engine):
            answers.record(db.session, link, _answers_from(form), current, existing=existing)
            db.session.commit()
    except AnswerLocked:
        db.session.rollback()
        return render_template("survey/thanks.html", token=token, locked=True,
                               **_link_context(link, current))
    return redirect(url_for("survey.thanks", token=token), code=303)


def _form_page(link: tokens.SurveyLink, current: settings.Settings, token: str,
               existing: Response | None, values: dict, errors: dict) -> str:
    return render_template("survey/form.html", token=token, editing=existing,
                           questions=QUESTIONS, choice_group=choice_group, labels=LABELS,
                           values=values, errors=errors,
                           **_link_context(link, current))


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


def _values_of(response: Response) -> dict[str, object]:
    """An answer already given, as the form shows it."""
    return {
        "respected": str(response.respected),
        "helped": str(response.helped),
        "pressure": response.pressure.value,
        "doubtful_promise": "yes" if response.doubtful_promise else "no",
        "promise_note": response.promise_note,
        "improve_comment": response.improve_comment,
        "product_comment": response.product_comment,
        "product_contact_ok": response.product_contact_ok,
        "reveal_identity": response.reveal_identity,
    }


# "Delete my answer" pages register themselves on `bp`.
