"""The OpenAPI 3.1 document, built from the routes and the pydantic models they use.

Each API view carries an `Operation` (set with `@operation(...)`) naming its
request and response models; the document walks the app's URL map, so a route
cannot exist without appearing here, and every schema comes from the class that
validates or produces that body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from feedback.integrations.api import schemas
from feedback.integrations.api.schemas import MAX_ID

_REF = "#/components/schemas/{model}"
_ERROR_STATUSES = {
    400: "The body is not JSON.",
    401: "No key, or an unknown or revoked key.",
    403: "The key lacks the scope this needs.",
    413: "The body is larger than the server accepts.",
    415: "The body is not sent as application/json.",
    422: "The body or a parameter is not valid; `details` says which field.",
    429: "Too many requests with this key; retry after `Retry-After` seconds.",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    request: type[BaseModel] | None = None
    query: dict[str, dict] = field(default_factory=dict)
    description: str = ""


def operation(summary: str, *, responses: dict[int, tuple[str, type[BaseModel] | None]],
              request: type[BaseModel] | None = None, query: dict[str, dict] | None = None,
              description: str = "") -> Callable:
    """Describe an API view for the document (place it under the route decorator)."""

    def decorator(view: Callable) -> Callable:
        view.openapi = Operation(summary, responses, request, query or {}, description)
        return view

    return decorator


_INPUTS = (schemas.EngagementIn, schemas.BatchIn, schemas.SuppressionIn)
_OUTPUTS = (schemas.EngagementOut, schemas.BatchOut, schemas.SuppressionOut, schemas.ErrorOut)


def _component_schemas() -> dict:
    _, top = models_json_schema(
        [(m, "validation") for m in _INPUTS] + [(m, "serialization") for m in _OUTPUTS],
        ref_template=_REF)
    return top["$defs"]


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": _REF.format(model=model.__name__)}


def _json(model: type[BaseModel]) -> dict:
    return {"application/json": {"schema": _ref(model)}}


def _path_parameters(rule) -> list[dict]:
    params = []
    for name, converter in rule._converters.items():
        schema = ({"type": "integer", "minimum": 1, "maximum": MAX_ID}
                  if type(converter).__name__ == "IntegerConverter" else {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _responses(op: Operation, secured: bool) -> dict:
    responses: dict[str, dict] = {}
    for status, (text, model) in op.responses.items():
        responses[str(status)] = {"description": text}
        if model is not None:
            responses[str(status)]["content"] = _json(model)
    for status, text in _ERROR_STATUSES.items():
        if not secured and status in (401, 403, 429):
            continue
        if op.request is None and status in (400, 413, 415):
            continue
        responses.setdefault(str(status), {"description": text, "content": _json(schemas.ErrorOut)})
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {
            "description": "Seconds until the key may call again.", "schema": {"type": "integer"}}}
    return responses


def _operation(endpoint: str, rule, method: str, view) -> dict:
    op: Operation = view.openapi
    scope = getattr(view, "api_scope", None)
    doc: dict = {"operationId": endpoint.removeprefix("api."), "summary": op.summary}
    if op.description:
        doc["description"] = op.description
    params = _path_parameters(rule) + [
        {"name": name, "in": "query", **spec} for name, spec in op.query.items()]
    if params:
        doc["parameters"] = params
    if op.request is not None:
        doc["requestBody"] = {"required": True, "content": _json(op.request)}
    doc["responses"] = _responses(op, secured=scope is not None)
    if scope is not None:
        doc["security"] = [{"apiKey": [scope.value]}]
        doc["description"] = (doc.get("description", "") + f"\n\nNeeds a key with the "
                              f"`{scope.value}` scope.").strip()
    else:
        doc["security"] = []
    return doc


def document(app: Flask) -> dict:
    """The OpenAPI document for every route of the api blueprint."""
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if not rule.endpoint.startswith("api.") or not hasattr(view, "openapi"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, rule,
                                                                    method, view)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "feedback API",
            "version": "1",
            "description": (
                "Log sales conversations from a CRM or script and read back what became of "
                "each survey. Authenticate with `Authorization: Bearer <key>`; an admin "
                "creates keys. Errors are JSON: `{\"error\": {\"code\", \"message\", "
                "\"details\"}}`. Survey outcomes never say that an anonymous customer "
                "answered: such surveys read \"sent\"."),
        },
        "paths": paths,
        "components": {
            "schemas": _component_schemas(),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }
