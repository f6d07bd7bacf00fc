"""Reading a JSON request body into a schema: 415, 413, 400 and 422, never a 500."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from feedback.integrations.api.errors import ApiError, field_errors

M = TypeVar("M", bound=BaseModel)


def _body() -> bytes:
    """The raw body; 413 (from Werkzeug) above MAX_CONTENT_LENGTH, however it was sent."""
    raw = request.get_data(cache=False)  # Content-Length over the limit: 413 here
    limit = request.max_content_length
    # A streamed (chunked) body has no Content-Length to refuse up front, and Werkzeug
    # stops reading it at the limit without saying so: the cut body would read as
    # invalid JSON (400) instead of too large. Reaching the limit means it was cut.
    if request.content_length is None and limit is not None and len(raw) >= limit:
        raise RequestEntityTooLarge()
    return raw


def parse_body(model: type[M]) -> M:
    """The request body as `model`, or an ApiError that says what is wrong."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with 'Content-Type: application/json'.")
    raw = _body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "invalid_json", "The body is not valid JSON.") from exc
        raise ApiError(422, "validation_error", "Some fields are not valid.",
                       field_errors(exc)) from exc
