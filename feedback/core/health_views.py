"""GET /healthz: is the app up and can it reach its database."""

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from feedback.core import bp
from feedback.core.access import public
from feedback.core.error_pages import RETRY_AFTER_SECONDS
from feedback.core.extensions import db


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        # A load balancer takes this instance out of rotation until the database is back.
        return (jsonify(status="unavailable", database="unreachable"), 503,
                {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
    return jsonify(status="ok", database="ok"), 200, {"Cache-Control": "no-store"}
