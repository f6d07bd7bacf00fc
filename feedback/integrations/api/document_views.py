"""The OpenAPI document that describes API v1."""

from flask import current_app, jsonify

from feedback.core.access import public
from feedback.integrations.api import bp
from feedback.integrations.api.openapi import document


@bp.get("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3.1 document (public: it describes the API, it holds no data)."""
    cache = current_app.extensions.setdefault("feedback_openapi", {})
    if "document" not in cache:
        cache["document"] = document(current_app)
    return jsonify(cache["document"])
