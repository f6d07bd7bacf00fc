"""JSON errors for the API: always `{"error": {"code", "message", "details"}}`, never HTML.

`code` is stable (clients branch on it), `message` is for people, `details` maps a
field path ("occurred_at", "items.3.kind") to what is wrong with it. No error
echoes the value it rejected, so customer data never lands in a client's logs twice.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from feedback.core import error_pages as app_errors
from feedback.core.extensions import db

#: The code for each HTTP error that has no more specific one.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}

_MESSAGES = {
    404: "There is nothing here, or nothing this key may see.",
    405: "This path does not accept that method.",
    413: "The request body is too large.",
    429: "Too many requests with this key; wait for the Retry-After seconds.",
    500: "Something went wrong on our side; nothing was stored.",
}


class ApiError(Exception):
    """Raised by API views and helpers; turned into a JSON error response."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


def error_response(error: ApiError):
    response = jsonify({"error": error.body()})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    """Pydantic's errors as {field path: [messages]}, without the rejected input."""
    details: dict[str, list[str]] = {}
    for item in exc.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        details.setdefault(prefix + path, []).append(item["msg"])
    return details


def register(bp: Blueprint) -> None:
    """JSON for every error raised while an API view runs."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return error_response(error)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        message = _MESSAGES.get(status) or error.description or "That did not work."
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return error_response(ApiError(status, HTTP_CODES.get(status, f"http_{status}"),
                                       message, headers=headers))

    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        if app_errors.is_database_unavailable(error):
            return app_errors.database_unavailable(error)
        # Logged by kind and route: a database error's text can carry customer data.
        app_errors.log_unexpected(error)
        db.session.rollback()
        return error_response(ApiError(500, HTTP_CODES[500], _MESSAGES[500]))
