"""Admins run the system: users, teams, settings, keys, import, suppressions, audit.

Admins are not a back door: nothing here reads answers, comments or scores.
"""

from flask import Blueprint

from feedback.access import require_role
from feedback.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role(bp, Role.ADMIN)

from feedback.admin import imports, routes  # noqa: E402, F401
