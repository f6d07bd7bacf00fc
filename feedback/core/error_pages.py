"""Friendly error pages; no stack trace, SQL or customer data in a response or a log line.

A database that cannot be reached (restarting, locked, out of connections) is a
503 with Retry-After, not a 500: the request's transaction is rolled back, so
nothing it did was kept, and trying again shortly works. The pool drops connections
the server closed before handing them out (feedback.core.db_liveness), so the app recovers
by itself once the database is back.
"""

from __future__ import annotations

import sqlite3
import traceback

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from feedback.core.extensions import db, login_manager

#: Seconds a client is asked to wait after a 503 (a database restart takes a few).
RETRY_AFTER_SECONDS = 5

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

#: Stable codes for JSON errors, the same the API uses for the same statuses.
_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

_WAIT_MESSAGE = "Please wait a little, then try again."

_UNAVAILABLE_MESSAGE = ("We can't reach our records for a moment. Nothing was changed; "
                        "please try again in a minute.")

#: SQLite errors that mean "busy or unreachable", not "this statement is wrong".
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked",
                       "unable to open database file", "disk i/o error", "readonly database")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(status: int, message: str | None = None, *, code: str | None = None,
                 headers: dict[str, str] | None = None):
    """A calm page (or JSON for the API) for an error status."""
    title = _TITLES.get(status, "Something went wrong")
    if _wants_json():
        body = {"error": {"code": code or _CODES.get(status, f"http_{status}"),
                          "message": message or title, "details": {}}}
        return jsonify(body), status, headers or {}
    layout = "survey/layout.html" if request.blueprint == "survey" else "layout.html"
    return render_template("errors/error.html", status=status, title=title,
                           message=message, layout=layout), status, headers or {}


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached, rather than a bug."""
    if isinstance(error, sa_exc.TimeoutError):  # every pooled connection is busy
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        # SQLite reports a typo in SQL as an OperationalError too; that one is a bug.
        text = str(error.orig).lower()
        return any(reason in text for reason in _SQLITE_UNAVAILABLE)
    return True  # PostgreSQL: cannot connect, shut down, connection lost


def database_unavailable(error: BaseException):
    """The 503 for a request the database could not serve (the API may call this too)."""
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, _route(),
                               _describe(error))
    _rollback()
    # The page must not load the signed-in user from the database that just failed.
    login_manager._update_request_context_with_user()
    return render_error(503, _UNAVAILABLE_MESSAGE, code="database_unavailable",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _rate_limit_message(error: HTTPException) -> str:
    """The limit's own words if it has some; never its arithmetic ("5 per 1 minute")."""
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        return str(error.description)
    return _WAIT_MESSAGE


def _route() -> str:
    # The rule, not the path: paths carry survey tokens.
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def _describe(error: BaseException) -> str:
    """The kind of error, never SQLAlchemy's message: that carries the SQL statement and
    its parameters (customer addresses, comments)."""
    if not isinstance(error, sa_exc.DBAPIError) or error.orig is None:
        return type(error).__name__
    sqlstate = getattr(error.orig, "sqlstate", None)
    kind = f"{type(error).__name__} ({type(error.orig).__name__}"
    kind += f", SQLSTATE {sqlstate})" if sqlstate else ")"
    lines = str(error.orig).strip().splitlines()
    if isinstance(error, sa_exc.OperationalError) and lines:
        # The driver's own first line ("connection refused", "database is locked") helps
        # an operator and holds no row data, unlike an IntegrityError's DETAIL.
        kind += f": {lines[0][:200]}"
    return kind


def _rollback() -> None:
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        # The connection is already gone; the session is discarded at teardown anyway.
        current_app.logger.info("rollback after an error failed; session discarded")


def log_unexpected(error: Exception) -> None:
    """Log an unhandled error; a database error by kind and frames, without its message."""
    if isinstance(error, sa_exc.StatementError):
        frames = "".join(traceback.format_tb(error.__traceback__))
        current_app.logger.error("unhandled %s on %s %s\n%s", _describe(error), request.method,
                                 _route(), frames)
    else:
        # Never a stack trace in a response; the log has it.
        current_app.logger.exception("unhandled error on %s %s", request.method, _route())


def _release_session(_error: BaseException | None) -> None:
    """End the request's database session, even if its connection died meanwhile.

    A page whose queries all succeeded still holds a read transaction; if the database
    went away since, the rollback that ends it fails, and that must not turn a finished
    page into a 500. The pool has already marked the connection dead.
    """
    try:
        db.session.remove()
    except sa_exc.SQLAlchemyError as error:
        current_app.logger.warning("discarded a database session at the end of %s %s: %s",
                                   request.method, _route(), _describe(error))
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    # Request teardowns run before app-context ones, where Flask-SQLAlchemy's would
    # meet the same failure; it then finds a fresh session with nothing to release.
    app.teardown_request(_release_session)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("CSRF rejected: %s", error.description)
        return render_error(400, "The form had expired. Please go back, reload, and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:  # e.g. a rate limit's own on_breach response
            return error.response
        if error.code == 429:
            # Retry-After is added afterwards, by Flask-Limiter's after_request hook.
            return render_error(429, _rate_limit_message(error))
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if is_database_unavailable(error):
            return database_unavailable(error)
        log_unexpected(error)
        _rollback()
        return render_error(500)
