"""Admin: the delivery and privacy settings, over the environment's defaults."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback.admin import bp
from feedback.admin.forms import SettingsForm
from feedback.core import settings_store as app_settings
from feedback.core.extensions import db
from feedback.core.settings_store import DOMAINS_KEY, NUMBERS, SettingsInvalid


def _form_data(values: dict) -> dict:
    data = {SettingsForm.field_name(spec.key): values[spec.key] for spec in NUMBERS}
    data["internal_domains"] = "\n".join(values[DOMAINS_KEY])
    return data


def _defaults() -> dict:
    config = current_app.config
    defaults = {spec.key: config[spec.key] for spec in NUMBERS}
    defaults[DOMAINS_KEY] = ", ".join(sorted(config[DOMAINS_KEY])) or "none"
    return defaults


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm(data=_form_data(app_settings.values(db.session, current_app.config)))
    status = 200
    if form.validate_on_submit():
        submitted = {spec.key: field.data for spec, field in form.number_fields()}
        submitted[DOMAINS_KEY] = app_settings.parse_domains(form.internal_domains.data or "")
        try:
            changed = app_settings.save(db.session, current_user, submitted, current_app.config)
        except SettingsInvalid as invalid:
            db.session.rollback()
            for key, message in invalid.errors.items():
                form[SettingsForm.field_name(key)].errors.append(message)
        else:
            db.session.commit()
            flash(f"Saved {len(changed)} change{'s' if len(changed) != 1 else ''}."
                  if changed else "Nothing changed.", "success")
            return redirect(url_for("admin.settings"))
    if form.errors:
        status = 422
    return render_template("admin/settings.html", form=form, defaults=_defaults()), status
