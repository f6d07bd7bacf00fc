"""My settings (the weekly digest) and exporting my data."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback.coaching import bp, digest
from feedback.coaching import my_data as exports
from feedback.coaching.forms import ConfirmForm, SettingsForm
from feedback.core.extensions import db


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(data={"weekly_digest": current_user.weekly_digest})
    if form.validate_on_submit():
        digest.set_weekly_digest(db.session, current_user, form.weekly_digest.data)
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("me.settings"))
    return render_template("me/settings.html", form=form, export_form=ConfirmForm())


def _export(fmt: str) -> Response:
    # A POST, not a link: an export is logged, and GET never changes anything.
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = exports.export(db.session, current_user, fmt)
    db.session.commit()
    return Response(result.body, mimetype=result.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


@bp.post("/export.csv")
def export_csv():
    return _export("csv")


@bp.post("/export.json")
def export_json():
    return _export("json")
