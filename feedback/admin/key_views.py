"""Admin: API keys for CRMs and scripts. A new key's secret is shown once, on this response."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback.admin import bp
from feedback.admin.forms import ApiKeyForm, ConfirmForm
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.integrations import api_keys


def _page(form: ApiKeyForm, status: int = 200, created=None, secret: str | None = None):
    return render_template("admin/keys.html", form=form, keys=api_keys.list_keys(db.session),
                           revoke_form=ConfirmForm(), created=created, secret=secret), status


@bp.route("/keys", methods=["GET", "POST"], endpoint="api_keys")
def api_keys_page():
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            key, secret = api_keys.create(db.session, name=form.name.data,
                                          scopes=form.scopes.data or [],
                                          created_by=current_user)
        except api_keys.ApiKeyError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            # Rendered, not redirected: the secret must not travel through the session.
            return _page(ApiKeyForm(formdata=None), created=key, secret=secret)
    return _page(form, 422 if form.errors else 200)


@bp.post("/keys/<int:key_id>/revoke")
def revoke_api_key(key_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            api_keys.revoke(db.session, key_id, by=current_user)
        except NotVisible:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash("Key revoked: it stops working from the next request.", "success")
    return redirect(url_for("admin.api_keys"))
