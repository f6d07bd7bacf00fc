"""Admin: the do-not-survey list. Search, add by hand, lift bounces and manual entries.

Addresses appear on this page (admins manage the list) but never in flash messages,
which travel in the session cookie, nor in any log or audit row.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback.admin import bp
from feedback.admin.forms import ConfirmForm, SuppressionAddForm, SuppressionFilterForm
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.models import SuppressionReason
from feedback.survey import do_not_survey_admin as suppression_list


def _filters() -> tuple[SuppressionFilterForm, str, SuppressionReason | None]:
    form = SuppressionFilterForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    reason = form.reason.data if form.reason.data in {r.value for r in SuppressionReason} else ""
    return form, query, SuppressionReason(reason) if reason else None


@bp.route("/suppressions", methods=["GET", "POST"])
def suppressions():
    add_form = SuppressionAddForm()
    status = 200
    if add_form.validate_on_submit():
        try:
            row, added = suppression_list.add_manual(db.session, current_user,
                                                     add_form.email.data)
        except suppression_list.SuppressionError as error:
            db.session.rollback()
            add_form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash("Added: that address will never be surveyed." if added else
                  f"That address was already on the list ({row.reason.value}).", "success")
            return redirect(url_for("admin.suppressions"))
    if add_form.errors:
        status = 422
    filter_form, query, reason = _filters()
    page = suppression_list.list_page(db.session, query=query, reason=reason,
                                      page=request.args.get("page", 1, type=int))
    return render_template("admin/suppressions.html", add_form=add_form,
                           filter_form=filter_form, page=page, lift_form=ConfirmForm(),
                           liftable={SuppressionReason.MANUAL, SuppressionReason.BOUNCED},
                           query=query, reason=reason.value if reason else ""), status


@bp.post("/suppressions/<int:suppression_id>/lift")
def lift_suppression(suppression_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            suppression_list.lift(db.session, current_user, suppression_id)
        except NotVisible:
            db.session.rollback()
            abort(404)
        except suppression_list.SuppressionFixed as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Lifted: that address may be surveyed again.", "success")
    return redirect(url_for("admin.suppressions"))
