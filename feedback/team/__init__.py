"""Team figures for managers: published cells, disclosure rules, charts and export.

Never a person: a manager reads only what feedback.team.aggregates lets a cell show.
"""

from flask import Blueprint

from feedback.core.access import require_role
from feedback.models import Role

bp = Blueprint("team", __name__, url_prefix="/team")
require_role(bp, Role.MANAGER)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("views",)
BLUEPRINTS = (bp,)
