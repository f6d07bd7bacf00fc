"""JSON API v1 for CRMs and scripts, authenticated by API key (no session, no CSRF).

Every view answers JSON, errors included; see feedback.api.errors for their shape
and feedback.api.openapi for the document served at /api/v1/openapi.json.
"""

from flask import Blueprint

from feedback.api import errors
from feedback.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Keys, not cookies, authenticate here: there is no session for a forged request to ride.
csrf.exempt(bp)
errors.register(bp)


@bp.after_request
def _no_store(response):
    # Outcomes of real people's surveys: never in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


from feedback.api import routes  # noqa: E402, F401
