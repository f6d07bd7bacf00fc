"""API keys: Bearer only, shown once, stored hashed, scoped, revocable; no session, no CSRF."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from feedback.integrations import api_keys
from feedback.models import ApiKey, ApiScope, AuditEvent, Role
from tests.integrations.api.conftest import Api


def _error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_missing_and_malformed_keys_are_401_json(client, body):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer not-a-key"},
                    {"Authorization": "Bearer fbk_00000000_" + "x" * 43}):
        response = client.post("/api/v1/engagements", json=body(), headers=headers)
        assert response.status_code == 401, headers
        assert response.is_json
        assert _error_code(response) in {"unauthorized", "invalid_api_key"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_key_is_stored_only_as_a_hash_with_a_visible_prefix(session):
    key, secret = api_keys.create(session, name="  Acme   CRM ", scopes=["engagements:read"])
    session.commit()
    row = session.get(ApiKey, key.id)
    assert secret.startswith(row.prefix + "_")
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.prefix, row.key_hash, row.name)
    assert row.name == "Acme CRM" and row.scopes == ["engagements:read"]
    assert session.scalars(select(AuditEvent.action)).all() == ["api_key.create"]


def test_a_good_key_works_and_records_when_it_was_last_used(client, session, make_key):
    secret = make_key(ApiScope.ENGAGEMENTS_READ)
    row = session.scalars(select(ApiKey)).one()
    assert row.last_used_at is None
    response = Api(client, secret).get("/engagements?external_id=unknown")
    assert response.status_code == 404  # authenticated, just nothing there
    session.expire_all()
    assert session.get(ApiKey, row.id).last_used_at is not None


def test_revoked_key_is_refused(client, session, make_key, body):
    secret = make_key()
    api = Api(client, secret)
    assert api.post("/engagements", body()).status_code == 201
    api_keys.revoke(session, session.scalars(select(ApiKey)).one().id)
    session.commit()
    response = api.post("/engagements", body())
    assert response.status_code == 401
    assert _error_code(response) == "invalid_api_key"


def test_key_without_the_scope_is_403(client, make_key, body):
    reader = Api(client, make_key(ApiScope.ENGAGEMENTS_READ))
    response = reader.post("/engagements", body())
    assert response.status_code == 403
    assert _error_code(response) == "insufficient_scope"
    writer = Api(client, make_key(ApiScope.ENGAGEMENTS_WRITE))
    assert writer.get("/engagements?external_id=x").status_code == 403
    assert writer.post("/suppressions", {"email": "a@b.example"}).status_code == 403


def test_a_signed_in_session_is_not_an_api_key(client, auth, make_user, body):
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    response = client.post("/api/v1/engagements", json=body())
    assert response.status_code == 401


def test_no_csrf_token_is_needed_with_a_key(api, body):
    # The app enforces CSRF on every form post; the API is exempt because a key, not a
    # cookie, authenticates it.
    assert api.post("/engagements", body()).status_code == 201


def test_unknown_scope_or_empty_name_is_refused(session):
    with pytest.raises(api_keys.ApiKeyError):
        api_keys.create(session, name="x", scopes=["engagements:delete"])
    with pytest.raises(api_keys.ApiKeyError):
        api_keys.create(session, name="   ", scopes=["engagements:read"])
    with pytest.raises(api_keys.ApiKeyError):
        api_keys.create(session, name="x", scopes=[])
