"""API v1 routes: engagements, suppressions, and the OpenAPI document that describes them."""

from flask import current_app, jsonify

from feedback.access import public
from feedback.api import bp, engagements, suppressions  # noqa: F401 - they register routes
from feedback.api.openapi import document


@bp.get("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3.1 document (public: it describes the API, it holds no data)."""
    cache = current_app.extensions.setdefault("feedback_openapi", {})
    if "document" not in cache:
        cache["document"] = document(current_app)
    return jsonify(cache["document"])
