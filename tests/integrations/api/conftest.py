"""API fixtures: keys made through the service, and a client that sends them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from feedback.integrations import api_keys
from feedback.models import ApiScope

ALL_SCOPES = tuple(ApiScope)


@pytest.fixture
def make_key(session):
    """make_key(*scopes) -> the raw key (committed). No scopes: every scope."""

    def make(*scopes: ApiScope, name: str = "CRM") -> str:
        _, secret = api_keys.create(session, name=name, scopes=scopes or ALL_SCOPES)
        session.commit()
        return secret

    return make


class Api:
    """A test client that talks to /api/v1 with a key."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers, **kwargs)

    def delete(self, path: str, body=None, **kwargs):
        return self.client.delete(f"/api/v1{path}", json=body, headers=self.headers, **kwargs)


@pytest.fixture
def api(client, make_key):
    """An Api client holding a key with every scope."""
    return Api(client, make_key())


@pytest.fixture
def seller(make_user):
    return make_user(name="Ana Lopez")


@pytest.fixture
def body(seller):
    """body(**overrides) -> a valid POST /engagements body for `seller`."""

    def make(**overrides) -> dict:
        data = {
            "external_id": f"crm-{uuid.uuid4().hex[:10]}",
            "salesperson_email": seller.email,
            "customer_email": f"c.{uuid.uuid4().hex[:8]}@client.example",
            "customer_name": "Casey Customer",
            "company": "Client Co",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
            "kind": "call",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make
