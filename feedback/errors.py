"""Friendly error pages; the 500 handler rolls the session back and shows no details."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from feedback.extensions import db

_TITLES = {
    400: "That request didn't make sense",
    403: "That page isn't yours to open",
    404: "We couldn't find that page",
    405: "That doesn't work here",
    413: "That was too large",
    429: "Too many tries",
    500: "Something went wrong on our side",
    503: "We'll be right back",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(status: int, message: str | None = None):
    """A calm page (or JSON for the API) for an error status."""
    title = _TITLES.get(status, "Something went wrong")
    if _wants_json():
        return jsonify({"error": {"code": f"http_{status}", "message": title}}), status
    layout = "survey/layout.html" if request.blueprint == "survey" else "layout.html"
    return render_template("errors/error.html", status=status, title=title,
                           message=message, layout=layout), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("CSRF rejected: %s", error.description)
        return render_error(400, "The form had expired. Please go back, reload, and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Never a stack trace in a response; the log has it.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
