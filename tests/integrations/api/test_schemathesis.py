"""Property-based tests from the OpenAPI document (schemathesis, in-process on the WSGI app).

Every operation gets valid and invalid requests; none may answer 5xx, and every
answer must match the document (status, content type, body schema, headers).
Bounded examples keep this under a minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture
def generous_limit(app):
    before = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["API_RATE_LIMIT"] = before


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _aim_at_a_real_salesperson(case, seller) -> None:
    """Valid bodies name a real salesperson and a recent moment (random ones are mostly
    in the future), so the success paths are exercised too."""
    items = case.body.get("items", [case.body]) if isinstance(case.body, dict) else []
    for item in items:
        if isinstance(item, dict) and "salesperson_email" in item:
            item["salesperson_email"] = seller.email
        if isinstance(item, dict) and "salesperson_id" in item:
            item["salesperson_id"] = seller.id
        if isinstance(item, dict) and "occurred_at" in item:
            item["occurred_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_no_schema_violations(app, make_key, make_user, generous_limit,
                                                   mode):
    headers = {"Authorization": f"Bearer {make_key()}"}
    seller = make_user()
    operations = _operations(app)
    assert len(operations) == 6
    seen: set[tuple[str, int]] = set()
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        def check(case):
            if mode is GenerationMode.POSITIVE:
                _aim_at_a_real_salesperson(case, seller)
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen.add((case.operation.label, response.status_code))

        check()
    if mode is GenerationMode.POSITIVE:
        # The generated requests reached the success paths, not only the error handlers.
        assert ("POST /api/v1/engagements", 201) in seen
        assert ("POST /api/v1/suppressions", 201) in seen
