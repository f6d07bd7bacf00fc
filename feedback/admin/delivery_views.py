"""Admin: how delivery is going. Counts by outcome and the worker's health; no answers."""

from __future__ import annotations

from flask import render_template, request

from feedback.admin import bp, delivery_report
from feedback.admin.forms import PeriodForm
from feedback.core import clock
from feedback.core.extensions import db


@bp.get("/delivery")
def delivery():
    form = PeriodForm(request.args)
    form.days.choices = [(days, f"Last {days} days") for days in delivery_report.PERIODS]
    days = form.days.data if form.validate() and form.days.data in delivery_report.PERIODS \
        else 30
    now = clock.now()
    return render_template(
        "admin/delivery.html", form=form, days=days,
        report=delivery_report.report(db.session, days=days, now=now),
        health=delivery_report.worker_health(db.session, now=now))
