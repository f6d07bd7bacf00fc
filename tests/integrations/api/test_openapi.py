"""The OpenAPI document: public, complete, and built from the schemas that validate."""

from __future__ import annotations

from feedback.integrations.api.schemas import EngagementIn


def test_document_is_public_and_lists_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in document["paths"].items()
                  for method in ops}
    routed = {(rule.rule.replace("<int:engagement_id>", "{engagement_id}"), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint != "api.openapi_document"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_request_schema_is_the_validating_model(client):
    document = client.get("/api/v1/openapi.json").get_json()
    component = document["components"]["schemas"]["EngagementIn"]
    model = EngagementIn.model_json_schema()
    assert component["required"] == model["required"]
    assert component["properties"]["external_id"] == model["properties"]["external_id"]
    batch = document["components"]["schemas"]["BatchIn"]["properties"]["items"]
    assert batch["items"] == {"$ref": "#/components/schemas/EngagementIn"}
    assert batch["maxItems"] == 1000


def test_every_operation_needs_its_scope_and_documents_its_errors(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            [requirement] = operation["security"]
            assert requirement["apiKey"], (method, path)
            assert {"401", "403", "422", "429"} <= set(operation["responses"]), (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
