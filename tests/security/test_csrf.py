"""CSRF: every state-changing route refuses a request without a valid token of its own
session. The routes come from the URL map (every rule with POST, PUT, PATCH or DELETE), so
a new one is covered the day it appears. The documented exceptions are RFC 8058 one-click
unsubscribe (POST /u/<token>, which mail clients send without a token) and the API, which
a key authenticates rather than a cookie a forged request could ride."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.core.extensions import csrf
from feedback.integrations import api_keys
from feedback.models import ApiScope, Suppression, SuppressionReason
from tests.security.conftest import (
    ANON,
    OWNER,
    TEAMMATE,
    VISITORS,
    changed_tables,
    csrf_of,
    snapshot,
)
from tests.security.routing import (
    actor,
    api_request,
    documented_exceptions,
    form_data,
    in_safe_order,
    route_url,
    state_changing,
)

#: The upload checks its own token, after raising the size limit for the file: exempt
#: from the app-wide check, but it must refuse the same requests (tested below).
SELF_CHECKED = {("admin.imports", "POST")}


def test_the_exceptions_are_exactly_the_documented_ones(app, world):
    """Proves that the app-wide CSRF check skips exactly one-click unsubscribe and the
    key-authenticated API routes (plus the upload that checks its own token), so no
    other state-changing route can be made exempt without this test failing."""
    exempt = set()
    for endpoint, method in state_changing(app):
        with app.test_request_context(route_url(app, world, endpoint), method=method):
            if csrf._is_exempt():
                exempt.add((endpoint, method))
    documented = documented_exceptions(app)
    assert ("survey.unsubscribe", "POST") in documented and len(documented) > 1
    assert exempt == documented | SELF_CHECKED


def test_the_exceptions_work_without_a_token(app, client, session, world):
    """Proves the documented exceptions are real: one-click unsubscribe and every keyed
    API route succeed with no CSRF token at all (so the list above is not stale)."""
    unsubscribed = client.post(route_url(app, world, "survey.unsubscribe"))
    assert unsubscribed.status_code == 200
    assert session.scalar(select(func.count()).select_from(Suppression).where(
        Suppression.reason == SuppressionReason.UNSUBSCRIBED)) == 1
    _, key = api_keys.create(session, name="every scope", scopes=list(ApiScope))
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    for endpoint, method in documented_exceptions(app) - {("survey.unsubscribe", "POST")}:
        used, path, body = api_request(world, endpoint)
        assert used == method
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code < 300, (endpoint, response.get_data())


def test_every_state_changing_route_refuses_a_missing_or_foreign_token(
        app, engine, world, browsers):
    """Proves that every state-changing route (bar the exceptions), sent by someone who may
    use it with real path ids and a valid form, answers 400 and changes nothing when the
    CSRF token is missing, empty, garbage, or another session's (in the form or the
    header); and that the same request with the sender's own token is accepted, so the
    token was the only thing wrong."""
    routes = [r for r in state_changing(app) if r not in documented_exceptions(app)]
    tokens = {who: csrf_of(browsers(who)) for who in VISITORS}
    before = snapshot(engine)
    problems = []
    for endpoint, method in routes:
        who = actor(endpoint)
        url, client = route_url(app, world, endpoint), browsers(who)
        foreign = tokens[OWNER if who == ANON else TEAMMATE]
        attempts = {
            "no token": ({}, {}),
            "empty token": ({"csrf_token": ""}, {}),
            "garbage token": ({"csrf_token": "not-a-token"}, {}),
            "another session's token": ({"csrf_token": foreign}, {}),
            "another session's token in the header": ({}, {"X-CSRFToken": foreign}),
        }
        for what, (extra, headers) in attempts.items():
            response = client.open(url, method=method, headers=headers,
                                   data={**form_data(app, world, endpoint), **extra})
            response.close()
            if response.status_code != 400:
                problems.append(f"{who} {method} {url} with {what}: {response.status_code}")
    assert problems == []
    assert changed_tables(before, snapshot(engine)) == []
    assert browsers(OWNER).get("/me/feedback").status_code == 200  # logout was refused too

    for endpoint, method in in_safe_order(routes):
        who = actor(endpoint)
        # Each accepted anonymous form gets a fresh browser: signing in changes the next.
        client = app.test_client() if who == ANON else browsers(who)
        token = csrf_of(client) if who == ANON else tokens[who]
        response = client.open(route_url(app, world, endpoint), method=method,
                               data={**form_data(app, world, endpoint), "csrf_token": token})
        response.close()
        assert response.status_code not in (400, 401, 403, 404), (who, method, endpoint)
        assert response.status_code < 500, (who, method, endpoint)
