"""Team trends for managers: fixed, thresholded week and month cells of the teams they
manage. Never a person: feedback.team.aggregates decides what a cell may show."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from feedback.core import navigation, settings
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.models import Period, Role
from feedback.team import aggregates, bp
from feedback.team import charts as team_charts
from feedback.team import export as team_export

navigation.add(Role.MANAGER, "team.index", "Team trends", order=10)

#: How many of the latest cells the page shows; the CSV has them all.
RECENT = {Period.MONTH: 12, Period.WEEK: 13}


@bp.get("/")
def index():
    teams = aggregates.managed_teams(db.session, current_user)
    return render_template("team/index.html", teams=teams)


@bp.get("/<int:team_id>")
def trends_page(team_id: int):
    team = _managed_team(team_id)
    period = Period.WEEK if request.args.get("by") == "week" else Period.MONTH
    result = aggregates.team_trends(db.session, team, settings.current(),
                                    latest=RECENT[period])
    cells = result.weeks if period is Period.WEEK else result.months
    pictures = team_charts.pictures(period, cells, result.thresholds)
    return render_template("team/trends.html", team=team, trends=result, period=period,
                           cells=cells, pictures=pictures)


@bp.post("/<int:team_id>/export.csv")
def export(team_id: int):
    """A POST (CSRF-checked like every POST) because it writes to the audit log."""
    team = _managed_team(team_id)
    result = team_export.export(db.session, current_user, team, settings.current())
    db.session.commit()
    return Response(result.body, mimetype=result.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


def _managed_team(team_id: int):
    try:
        return aggregates.managed_team(db.session, current_user, team_id)
    except NotVisible:
        abort(404)
