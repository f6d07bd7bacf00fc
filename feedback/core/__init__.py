"""What every area stands on: extensions, default-deny access, security headers,
errors, settings, clock, audit, links and addresses, and the health check.
"""

from flask import Blueprint

bp = Blueprint("health", __name__)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("health_views",)
BLUEPRINTS = (bp,)
