"""Per-key rate limit: 429 with Retry-After; with Redis the budget is shared by processes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from feedback import ROOT
from tests.integrations.api.conftest import Api

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def rate_limit(app):
    """Set the per-key budget for one test."""
    before = app.config["API_RATE_LIMIT"]
    yield lambda value: app.config.__setitem__("API_RATE_LIMIT", value)
    app.config["API_RATE_LIMIT"] = before


def test_over_the_limit_is_429_json_with_retry_after(client, make_key, rate_limit):
    rate_limit("3 per minute")
    api = Api(client, make_key())
    statuses = [api.get("/engagements?external_id=x").status_code for _ in range(2)]
    # One budget for the key across every endpoint.
    statuses.append(api.post("/suppressions", {"email": "pat@client.example"}).status_code)
    statuses.append(api.get("/engagements/1").status_code)
    assert statuses == [404, 404, 201, 429]
    response = api.get("/engagements?external_id=x")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Each key has its own budget.
    assert Api(client, make_key()).get("/engagements?external_id=x").status_code == 404


def test_bad_keys_do_not_spend_a_real_keys_budget(client, make_key, rate_limit):
    rate_limit("2 per minute")
    secret = make_key()
    forged = Api(client, secret[:-4] + "AAAA")
    assert {forged.get("/engagements?external_id=x").status_code for _ in range(5)} == {401}
    assert Api(client, secret).get("/engagements?external_id=x").status_code == 404


_WORKER = """
import json, sys
sys.path.insert(0, {root!r})
from feedback.config import TestingConfig
from feedback import create_app
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI={db!r}, RATELIMIT_STORAGE_URI={storage!r},
                 API_RATE_LIMIT="5 per minute")
client = app.test_client()
headers = {{"Authorization": "Bearer " + {key!r}}}
print(json.dumps([client.get("/api/v1/engagements?external_id=x", headers=headers).status_code
                  for _ in range(3)]))
"""


def _in_another_process(database_uri: str, storage: str, key: str) -> list[int]:
    code = _WORKER.format(root=str(ROOT), db=database_uri, storage=storage, key=key)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_limit_is_shared_between_processes_through_redis(database_uri, make_key):
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI and the dev machines run one)")
    key = make_key()  # a new key: a clean budget even in a long-lived Redis
    redis = f"redis://{REDIS[0]}:{REDIS[1]}/0"
    first = _in_another_process(database_uri, redis, key)
    second = _in_another_process(database_uri, redis, key)
    assert first == [404, 404, 404]
    assert second == [404, 404, 429]  # 6 requests against a budget of 5, across processes
    # The control: with per-process memory storage nothing is shared.
    alone = _in_another_process(database_uri, "memory://", key)
    assert alone == [404, 404, 404]
