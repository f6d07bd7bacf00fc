"""Sharing with a coach: who has access to what, new shares, revoking, the view log."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from feedback import privacy
from feedback.coaching import bp, sharing
from feedback.coaching.forms import ConfirmForm, ShareForm
from feedback.coaching.inbox_views import post_note
from feedback.core import clock
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.privacy import FeedbackFilter

#: The answers offered as tick boxes when sharing chosen answers.
CHOOSABLE_WEEKS = 52


def _share_or_404(share_id: int) -> privacy.SharedView:
    try:
        return privacy.shared_view(db.session, current_user, share_id)
    except NotVisible:
        abort(404)


@bp.get("/sharing", endpoint="sharing")
def sharing_page():
    shares = privacy.my_shares(db.session, current_user)
    return render_template("me/sharing.html", shares=shares,
                           views=privacy.share_view_log(db.session, current_user),
                           revoke_form=ConfirmForm())


@bp.route("/sharing/new", methods=["GET", "POST"])
def new_share():
    today = clock.now().date()
    since = sharing.monday(today) - timedelta(weeks=CHOOSABLE_WEEKS - 1)
    items = privacy.my_feedback(db.session, current_user, FeedbackFilter(since=since))
    form = ShareForm()
    form.coach.choices = [
        SelectChoice(c.id, f"{c.name} (your manager)" if c.is_my_manager else c.name)
        for c in sharing.coach_choices(db.session, current_user)]
    form.answers.choices = [SelectChoice(item.id, str(item.id)) for item in items]
    if request.method == "GET":
        form.first_week.data = sharing.monday(today) - timedelta(weeks=3)
        form.last_week.data = today
        chosen = request.args.get("answer", type=int)
        if chosen is not None:
            form.scope.data, form.answers.data = "answers", [chosen]
    if form.validate_on_submit():
        try:
            if form.scope.data == "period":
                sharing.share_period(db.session, current_user, coach_id=form.coach.data,
                                     first_day=form.first_week.data,
                                     last_day=form.last_week.data,
                                     include_reflections=form.include_reflections.data)
            else:
                sharing.share_chosen(db.session, current_user, coach_id=form.coach.data,
                                     response_ids=form.answers.data,
                                     include_reflections=form.include_reflections.data)
        except sharing.ShareInvalid as error:
            db.session.rollback()
            getattr(form, error.field or "coach", form.coach).errors.append(str(error))
        except NotVisible:
            db.session.rollback()
            form.answers.errors.append("Some of those answers are not yours to share.")
        else:
            db.session.commit()
            flash("Shared. You can revoke it at any time on this page.", "success")
            return redirect(url_for("me.sharing"))
    return render_template("me/share_new.html", form=form, items=items)


@bp.get("/sharing/<int:share_id>")
def share_detail(share_id: int):
    view = _share_or_404(share_id)
    return render_template("me/share_detail.html", view=view, revoke_form=ConfirmForm(),
                           views=[v for v in privacy.share_view_log(db.session, current_user)
                                  if v.share_id == share_id])


@bp.post("/sharing/<int:share_id>/revoke")
def revoke_share(share_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        share = sharing.revoke(db.session, current_user, share_id)
    except NotVisible:
        abort(404)
    db.session.commit()
    flash(f"Revoked. {share.coach.name} can no longer see it.", "info")
    return redirect(url_for("me.sharing"))


@bp.post("/sharing/<int:share_id>/answers/<int:response_id>/notes")
def share_note(share_id: int, response_id: int):
    target = url_for("me.share_detail", share_id=share_id, _anchor=f"answer-{response_id}")
    return post_note(privacy.own_share, share_id, response_id, target,
                     "Note added. Your coach can read it.")
