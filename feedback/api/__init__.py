"""JSON API v1 for CRMs and scripts, authenticated by API key (no session, no CSRF)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from feedback.api import routes  # noqa: E402, F401
