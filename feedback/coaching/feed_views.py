"""My feedback: the feed with its filters, and private reflections on answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback import privacy
from feedback.coaching import bp, reflections
from feedback.coaching.forms import ConfirmForm, FeedbackFilterForm, ReflectionForm
from feedback.core import clock
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.privacy import anonymity

PAGE_SIZE = 50


@bp.get("/feedback")
def feedback():
    form = FeedbackFilterForm(formdata=request.args)
    filters = form.to_filter(clock.now().date())
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    feed = privacy.my_feedback_page(db.session, current_user, filters, page=page,
                                    per_page=PAGE_SIZE)
    ids = [item.id for item in feed.items]
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "me/feedback.html", form=form, filters=filters, items=feed.items, total=feed.total,
        first_shown=(page - 1) * PAGE_SIZE + 1,
        newer_url=url_for("me.feedback", page=page - 1, **args) if page > 1 else None,
        older_url=(url_for("me.feedback", page=page + 1, **args)
                   if feed.total > page * PAGE_SIZE else None),
        reflections=privacy.my_reflections(db.session, current_user, ids),
        notes=privacy.notes_on_my_answers(db.session, current_user, ids),
        waiting=anonymity.pending_count(db.session, current_user.id),
        batch=anonymity.RELEASE_BATCH)


@bp.route("/feedback/<int:response_id>/reflection", methods=["GET", "POST"])
def reflection(response_id: int):
    try:
        item = privacy.feedback_item(db.session, current_user, response_id)
    except NotVisible:
        abort(404)
    existing = privacy.my_reflections(db.session, current_user, [item.id]).get(item.id)
    form = ReflectionForm(data={"body": existing.body} if existing else None)
    if form.validate_on_submit():
        try:
            reflections.save(db.session, current_user, item.id, form.body.data)
        except reflections.ReflectionInvalid as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash("Reflection saved. Only you can see it.", "success")
            return redirect(url_for("me.feedback", _anchor=f"answer-{item.id}"))
    return render_template("me/reflection.html", item=item, form=form, existing=existing,
                           delete_form=ConfirmForm())


@bp.post("/feedback/<int:response_id>/reflection/delete")
def delete_reflection(response_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        deleted = reflections.delete(db.session, current_user, response_id)
    except NotVisible:
        abort(404)
    db.session.commit()
    if deleted:
        flash("Reflection deleted.", "info")
    return redirect(url_for("me.feedback", _anchor=f"answer-{response_id}"))
