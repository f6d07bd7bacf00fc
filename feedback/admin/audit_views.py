"""Admin: the audit log (admin actions, sign-ins, shares, exports), newest first."""

from __future__ import annotations

from flask import render_template, request

from feedback.admin import audit_reading as audit_view
from feedback.admin import bp
from feedback.admin.forms import AuditFilterForm
from feedback.core.extensions import db


@bp.get("/audit")
def audit():
    form = AuditFilterForm(request.args)
    known = audit_view.actions(db.session)
    prefixes = sorted({a.split(".", 1)[0] + "." for a in known if "." in a})
    form.action.choices = [("", "All actions"),
                           *((p, f"{p}*") for p in prefixes), *((a, a) for a in known)]
    action = form.action.data if form.action.data in known or form.action.data in prefixes \
        else ""
    result = audit_view.page(db.session, action=action,
                             number=request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", form=form, page=result, action=action)
