"""Managers' team trends (aggregates only), and the coaching inbox of shared items.

Two blueprints: `team` (managers) and `coaching` (anyone a salesperson shared with:
their manager or a colleague).
"""

from flask import Blueprint

from feedback.access import require_role
from feedback.models import Role

bp = Blueprint("team", __name__, url_prefix="/team")
require_role(bp, Role.MANAGER)

coaching_bp = Blueprint("coaching", __name__, url_prefix="/coaching")
require_role(coaching_bp, Role.MANAGER, Role.SALESPERSON)

# Route modules register themselves on the blueprints when imported.
from feedback.team import coaching, routes  # noqa: E402, F401
