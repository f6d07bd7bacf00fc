"""Admins run the system: people, teams, settings, keys, import, suppressions, audit.

Admins are not a back door: nothing here reads answers, comments or scores.
"""

from flask import Blueprint

from feedback.core.access import require_role
from feedback.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role(bp, Role.ADMIN)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("home_views", "people_views", "team_views", "settings_views", "key_views",
         "import_views", "suppression_views", "delivery_views", "audit_views")
BLUEPRINTS = (bp,)
