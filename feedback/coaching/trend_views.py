"""My trends: my own results over time, one chart per question, with the numbers."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from wtforms import SelectChoice

from feedback.coaching import bp, trends
from feedback.coaching.forms import TrendsForm
from feedback.core import charts
from feedback.core.extensions import db


@bp.get("/trends", endpoint="trends")
def trends_page():
    form = TrendsForm(formdata=request.args)
    period, span = form.chosen()
    result = trends.my_trends(db.session, current_user, period, span)
    form.period.data, form.span.data = result.period.value, result.span
    form.span.choices = [SelectChoice(n, str(n)) for n in trends.SPANS[result.period]]
    pictures = [(series, charts.line_chart(series, f"chart-{series.question.key}"))
                for series in result.series]
    return render_template("me/trends.html", form=form, trends=result, pictures=pictures,
                           min_answers=trends.MIN_ANSWERS)
