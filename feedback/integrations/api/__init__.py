"""JSON API v1 for CRMs and scripts, authenticated by API key (no session, no CSRF).

Every view answers JSON, errors included; see feedback.integrations.api.errors for their shape
and feedback.integrations.api.openapi for the document served at /api/v1/openapi.json.
"""

from flask import Blueprint

from feedback.core.extensions import csrf
from feedback.integrations.api import errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Keys, not cookies, authenticate here: there is no session for a forged request to ride.
csrf.exempt(bp)
errors.register(bp)


@bp.after_request
def _no_store(response):
    # Outcomes of real people's surveys: never in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("engagement_views", "suppression_views", "document_views")
BLUEPRINTS = (bp,)
