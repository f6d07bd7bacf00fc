"""Sign-in throttling: failures per account and per client address are limited, a
correct password never counts, and an unknown account is throttled exactly like a
real one, so the limit does not reveal who has an account."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import sys

import pytest

from feedback import ROOT
from tests.conftest import PASSWORD, Auth, csrf_from


def _attempt(client, email: str, password: str = "wrong password!"):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page.text)})


def _comparable(html: str, email: str) -> str:
    """A page without what differs per request or per typed address."""
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


def test_after_five_failures_an_account_is_throttled_even_with_the_right_password(
        client, make_user):
    user = make_user()
    statuses = [_attempt(client, user.email).status_code for _ in range(5)]
    assert statuses == [200] * 5
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert "Retry-After" in response.headers


def test_the_throttle_is_per_account(client, make_user):
    target, bystander = make_user(), make_user()
    for _ in range(5):
        _attempt(client, target.email)
    assert _attempt(client, target.email, PASSWORD).status_code == 429
    assert Auth(client).login(bystander).status_code == 302


def test_successful_sign_ins_never_count(app, make_user):
    user = make_user()
    for _ in range(8):
        client = app.test_client()
        assert Auth(client).login(user).status_code == 302


def test_an_unknown_account_is_treated_exactly_like_a_real_one(app, make_user):
    real = make_user()
    unknown = "nobody.here@staff.example"
    pages = {}
    for email in (real.email, unknown):
        client = app.test_client()
        responses = [_attempt(client, email) for _ in range(6)]
        pages[email] = [(r.status_code, _comparable(r.text, email)) for r in responses]
    assert [status for status, _ in pages[real.email]] == [200] * 5 + [429]
    assert pages[real.email] == pages[unknown]


def test_per_address_limit_covers_many_accounts(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "4 per 15 minutes")
    user = make_user()
    statuses = [_attempt(client, f"guess{n}@staff.example").status_code for n in range(4)]
    assert statuses == [200] * 4
    # The next try from this address is refused, whatever the account.
    assert _attempt(client, user.email, PASSWORD).status_code == 429
    # Another address is not affected.
    other = app.test_client()
    page = other.get("/login")
    response = other.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": csrf_from(page.text)},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302


def test_wrong_current_passwords_on_the_account_page_are_throttled(client, auth, make_user):
    user = make_user()
    auth.login(user)
    token = csrf_from(client.get("/account").text)
    data = {"current": "not it, sorry", "password": "a brand new passphrase",
            "confirm": "a brand new passphrase", "csrf_token": token}
    statuses = [client.post("/account/password", data=data).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]


_OTHER_PROCESS = """
import json, re, sys
sys.path.insert(0, {root!r})
from feedback.config import TestingConfig
from feedback import create_app
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI={db!r}, RATELIMIT_STORAGE_URI={storage!r})
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = {address!r}  # a fresh per-address count in a shared Redis
statuses = []
for _ in range({tries}):
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    statuses.append(client.post("/login", data={{"email": {email!r}, "password": "nope nope nope",
                                                 "csrf_token": token}}).status_code)
print(json.dumps(statuses))
"""


def _failures_in_another_process(database_uri, storage, email, tries,
                                 address) -> list[int]:
    import json

    code = _OTHER_PROCESS.format(root=str(ROOT), db=database_uri, storage=storage, email=email,
                                 tries=tries, address=address)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_sign_in_limit_is_shared_between_processes_through_redis(database_uri, make_user):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI and the dev machines run one)")
    user = make_user()  # a new account, and a new client address below: clean counts
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    redis = "redis://127.0.0.1:6379/0"
    tries = (database_uri, redis, user.email, 3, address)
    assert _failures_in_another_process(*tries) == [200] * 3
    # A second "gunicorn worker" sees the same count: two more failures, then 429.
    assert _failures_in_another_process(*tries) == [200, 200, 429]
    # With per-process memory storage, the same two processes would each allow five.
    assert _failures_in_another_process(database_uri, "memory://", user.email, 3,
                                        address) == [200] * 3
