"""Admin routes: the landing page and the navigation; each area lives in its own module.

Nothing under /admin reads answers, comments or scores: the admin services query
people, teams, settings, suppressions, invitation counts and the audit log only
(tests/admin/test_not_a_back_door.py checks every page).
"""

from flask import redirect, url_for

from feedback.admin import bp
from feedback.core import navigation
from feedback.models import Role

navigation.add(Role.ADMIN, "admin.users", "Users", order=10)
navigation.add(Role.ADMIN, "admin.teams", "Teams", order=20)
navigation.add(Role.ADMIN, "admin.settings", "Settings", order=30)
navigation.add(Role.ADMIN, "admin.api_keys", "API keys", order=40)
navigation.add(Role.ADMIN, "admin.suppressions", "Suppressions", order=50)
navigation.add(Role.ADMIN, "admin.delivery", "Delivery", order=60)
navigation.add(Role.ADMIN, "admin.audit", "Audit log", order=70)


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))

