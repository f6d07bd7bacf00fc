"""A rate limit answers 429 calmly: a page for people, JSON with a stable code for
programs, and Retry-After either way. (The API's own 429 is tested in tests/api.)"""

from __future__ import annotations

import pytest

from feedback import create_app
from feedback.config import TestingConfig
from feedback.core.access import public
from feedback.core.extensions import db, limiter


# Each create_app gives the limiter fresh memory:// storage, so every test starts with
# the full budget of two.
@limiter.limit("2 per minute", key_func=lambda: "resilience-probe-plain")
@public
def _probe_plain():
    return "ok"


@limiter.limit("2 per minute", key_func=lambda: "resilience-probe-worded",
               error_message="Too many attempts for now.")
@public
def _probe_worded():
    return "ok"


@pytest.fixture
def limited(tmp_path):
    """An app with two public pages allowed twice a minute (one with its own message)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
                     RATELIMIT_STORAGE_URI="memory://", INSTANCE_DIR=str(tmp_path))
    app.add_url_rule("/probe/plain", view_func=_probe_plain)
    app.add_url_rule("/probe/worded", view_func=_probe_worded)
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def _third(client, path: str, **kwargs):
    statuses = [client.get(path, **kwargs).status_code for _ in range(2)]
    assert statuses == [200, 200]
    return client.get(path, **kwargs)


def test_a_person_gets_a_calm_page_with_retry_after(limited):
    """Proves the 429 page is ours (friendly words, no limit arithmetic) and that our
    handler keeps Flask-Limiter's Retry-After."""
    response = _third(limited, "/probe/plain")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many tries" in response.text and "Please wait a little" in response.text
    assert "per 1 minute" not in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_the_limits_own_message_is_shown(limited):
    response = _third(limited, "/probe/worded")
    assert response.status_code == 429
    assert "Too many attempts for now." in response.text


def test_a_program_gets_json_with_a_stable_code(limited):
    """Proves a client asking for JSON gets {"error": {"code": "rate_limited"}} and
    Retry-After, not an HTML page."""
    response = _third(limited, "/probe/plain", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60
