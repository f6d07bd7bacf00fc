"""Cross-user and cross-role probes of every route that takes a row id or a token.

The access matrix (tests/test_access.py) checks every route with ids that do not exist.
Here the rows exist and belong to someone else: every other kind of visitor must get the
404 of a missing row (or the 403 of an area that is not theirs, or the sign-in page),
byte for byte the same as for an id that does not exist, and nothing may change. Every
URL rule with an argument needs a decision in PROBES, so a new one cannot slip past.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from feedback.integrations import api_keys
from feedback.models import ApiScope
from tests.security.conftest import (
    ADMIN,
    ANON,
    COACH,
    MISSING_ID,
    OTHER_MANAGER,
    OUTSIDER,
    OWNER,
    PRODUCT,
    TEAMMATE,
    VISITORS,
    changed_tables,
    csrf_of,
    normalised,
    snapshot,
)
from tests.security.routing import api_request, form_data, key_routes
from tests.security.test_token_guessing import TOKEN_ROUTES


@dataclass(frozen=True)
class Rule:
    """Who may open rows behind a route: `allowed` may, `hidden` get the 404 of a missing
    row, other signed-in visitors get 403 (the area is not theirs), and anonymous
    visitors are sent to sign in."""

    meaning: str
    allowed: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    #: Every visitor without an API key gets this status instead (the API).
    everyone: int | None = None

    def expected(self, who: str) -> int:
        if self.everyone is not None:
            return self.everyone
        if who == ANON:
            return 302
        return 404 if who in self.hidden else 403


OWN = Rule("the salesperson's own rows", frozenset({OWNER}), frozenset({TEAMMATE, OUTSIDER}))
COACHED = Rule("a share, for its coach only", frozenset({COACH}),
               frozenset({OWNER, TEAMMATE, OUTSIDER, OTHER_MANAGER}))
MANAGED = Rule("a team, for its managers only", frozenset({COACH}), frozenset({OTHER_MANAGER}))
MINE_ALONE = Rule("a signed-in session, for the person it signs in", frozenset({OWNER}),
                  frozenset({TEAMMATE, OUTSIDER, COACH, OTHER_MANAGER, ADMIN, PRODUCT}))
ADMIN_AREA = Rule("the admin area: admins manage every row", frozenset({ADMIN}))
API_KEY = Rule("the API: a key, never a session", everyone=401)
#: Not rows behind a session: the token is the credential (test_token_guessing.py).
BEARER = "bearer token"
NOT_A_ROW = "not a row"

#: In this order the allowed visitors' requests run last, one after another in one world:
#: routes that end access for later ones (revoke, move, deactivate) come at the end.
PROBES: dict[str, Rule | str] = {
    "me.reflection": OWN,
    "me.delete_reflection": OWN,
    "me.share_detail": OWN,
    "me.share_note": OWN,
    "coaching.share": COACHED,
    "coaching.add_note": COACHED,
    "team.trends_page": MANAGED,
    "team.export": MANAGED,
    "auth.end_session": MINE_ALONE,
    "admin.team": ADMIN_AREA,
    "admin.rename_team": ADMIN_AREA,
    "admin.send_link": ADMIN_AREA,
    "admin.revoke_api_key": ADMIN_AREA,
    "admin.lift_suppression": ADMIN_AREA,
    "admin.import_run": ADMIN_AREA,
    "admin.import_confirm": ADMIN_AREA,
    "admin.import_rejections": ADMIN_AREA,
    "admin.reactivate": ADMIN_AREA,
    "admin.person": ADMIN_AREA,
    "me.revoke_share": OWN,
    "admin.team_people": ADMIN_AREA,
    "admin.deactivate": ADMIN_AREA,
    "api.get_engagement": API_KEY,
    "survey.answer": BEARER,
    "survey.thanks": BEARER,
    "survey.delete_answer": BEARER,
    "survey.unsubscribe": BEARER,
    "auth.set_password": BEARER,
    "static": NOT_A_ROW,
}
ROW_ROUTES = [e for e, rule in PROBES.items() if isinstance(rule, Rule)]
#: Words that only the owner (and their coach, through the share) may read.
SECRETS = (b"OWNER-ONLY", b"Olive Owner")


def _rule(app, endpoint: str):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _url(app, endpoint: str, values: dict) -> str:
    rule = _rule(app, endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{arg: values[arg] for arg in rule.arguments})


def _send(client, method: str, url: str, data: dict):
    response = client.open(url, method=method, data=data if method != "GET" else None)
    response.close()
    return response


def test_every_route_with_an_id_or_token_has_a_probe_decision(app, world):
    """Proves the probes keep up with the app: a new URL rule with an argument and no
    decision here fails, as does a decision for a route that no longer exists."""
    with_args = {r.endpoint: r for r in app.url_map.iter_rules() if r.arguments}
    missing = sorted(set(with_args) - set(PROBES))
    assert not missing, f"routes with ids or tokens but no probe decision: {missing}"
    stale = sorted(set(PROBES) - set(with_args))
    assert not stale, f"probe decisions for routes that do not exist: {stale}"
    for endpoint in ROW_ROUTES:
        unknown = with_args[endpoint].arguments - set(world.ids)
        assert not unknown, f"{endpoint}: the probe world has no row for {unknown}"
    bearer = {e for e, rule in PROBES.items() if rule == BEARER}
    assert bearer == set(TOKEN_ROUTES), "token routes must be in test_token_guessing"


def _refusals(app, world, browsers, tokens, endpoint: str) -> list[str]:
    """What went wrong when every visitor the rule does not allow tries the route, with
    the real ids and with missing ones."""
    rule, decision = _rule(app, endpoint), PROBES[endpoint]
    real = _url(app, endpoint, world.ids)
    missing = _url(app, endpoint, world.missing())
    data = form_data(app, world, endpoint)
    problems = []
    for method in _methods(rule):
        for who in sorted(set(VISITORS) - decision.allowed):
            client, form = browsers(who), {**data, "csrf_token": tokens[who]}
            theirs = _send(client, method, real, form)
            nothing = _send(client, method, missing, form)
            what = f"{who} {method} {real}"
            if theirs.status_code != decision.expected(who):
                problems.append(f"{what}: {theirs.status_code}, not {decision.expected(who)}")
            elif theirs.status_code == 302 and not theirs.location.startswith("/login"):
                problems.append(f"{what}: sent to {theirs.location}")
            if normalised(theirs, (real, "<url>")) != normalised(nothing, (missing, "<url>")):
                problems.append(f"{what}: differs from the answer for a missing id")
            if who != OWNER and any(s in theirs.get_data() for s in SECRETS):
                problems.append(f"{what}: shows the owner's words")
    return problems


def test_rows_that_are_not_yours_look_missing(app, engine, world, browsers):
    """Proves that for every id route, every visitor its rule does not allow gets the
    rule's status (404 for a row not theirs, 403 for an area not theirs, the sign-in page
    when signed out) with GET and POST, byte-identical to the answer for an id that does
    not exist, without reading the owner's words or changing a row; and that the allowed
    visitor does get in (so the refusals are about the visitor, not a broken URL)."""
    tokens = {who: csrf_of(browsers(who)) for who in VISITORS}
    before = snapshot(engine)
    problems = [p for endpoint in ROW_ROUTES
                for p in _refusals(app, world, browsers, tokens, endpoint)]
    assert problems == []
    assert changed_tables(before, snapshot(engine)) == []

    # Reads first, then changes in PROBES order: some end access for the ones after.
    allowed = [(endpoint, method, who) for endpoint in ROW_ROUTES
               for method in _methods(_rule(app, endpoint))
               for who in sorted(PROBES[endpoint].allowed)]
    for endpoint, method, who in sorted(allowed, key=lambda a: a[1] != "GET"):
        real = _url(app, endpoint, world.ids)
        form = {**form_data(app, world, endpoint), "csrf_token": tokens[who]}
        response = _send(browsers(who), method, real, form)
        if method == "GET":
            assert response.status_code == 200, (who, real)
        else:
            assert response.status_code < 400, (who, method, real)


def test_your_id_with_someone_elses_id_is_refused(app, engine, world, browsers):
    """Proves that pairing an id of your own with someone else's (your share, their answer;
    their share, your answer), naming their answers in a form body, or naming an admin or
    product colleague as coach reaches nothing: 404s or a refused form, no note, no share."""
    owner_share, owner_answer = world.ids["share_id"], world.ids["response_id"]
    theirs, their_answer = world.outsider_share_id, world.outsider_response_id
    probes = [
        (OUTSIDER, "me.share_note", theirs, owner_answer),
        (OWNER, "me.share_note", owner_share, their_answer),
        (OTHER_MANAGER, "coaching.add_note", theirs, owner_answer),
        (COACH, "coaching.add_note", owner_share, their_answer),
    ]
    tokens = {who: csrf_of(browsers(who)) for who in (OUTSIDER, OWNER, OTHER_MANAGER, COACH)}
    before = snapshot(engine)
    for who, endpoint, share_id, response_id in probes:
        url = _url(app, endpoint, {"share_id": share_id, "response_id": response_id})
        response = _send(browsers(who), "POST", url, {"body": "PROBE", "csrf_token": tokens[who]})
        assert response.status_code == 404, (who, url)

    outsider = browsers(OUTSIDER)
    page = outsider.get("/me/sharing/new")
    assert f'id="answer-{owner_answer}"' not in page.text
    assert f'id="answer-{their_answer}"' in page.text
    response = outsider.post("/me/sharing/new", data={
        "csrf_token": tokens[OUTSIDER], "coach": str(world.user(OTHER_MANAGER).id),
        "scope": "answers", "answers": [str(owner_answer)]})
    assert response.status_code == 200 and "not yours to share" in response.text
    for who in (ADMIN, PRODUCT):  # neither reads feedback, so neither may be made a coach
        response = outsider.post("/me/sharing/new", data={
            "csrf_token": tokens[OUTSIDER], "coach": str(world.user(who).id),
            "scope": "answers", "answers": [str(their_answer)]})
        assert response.status_code == 200 and 'class="form-errors"' in response.text, who
    assert changed_tables(before, snapshot(engine)) == []


# --- The API: keys and scopes --------------------------------------------------------------

def _call(client, world, endpoint: str, key: str | None = None, **headers):
    method, path, body = api_request(world, endpoint)
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    response = client.open(path, method=method, json=body, headers=headers)
    response.close()
    return response


def test_every_api_route_is_key_authenticated_and_probed(app, world):
    """Proves no API route is reachable without a key except the OpenAPI document, and
    that every key-protected route has a probe request below."""
    api_routes = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    keyed = key_routes(app)
    assert api_routes - set(keyed) == {"api.openapi_document"}
    for endpoint in keyed:
        api_request(world, endpoint)  # a KeyError names the route without a probe


def test_a_key_does_only_what_its_scopes_allow(app, client, engine, session, world):
    """Proves that for every API route a key without the route's scope gets 403
    insufficient_scope and changes nothing, while a key with it succeeds."""
    keys = {}
    for scope in ApiScope:
        _, keys[scope] = api_keys.create(session, name=f"only {scope.value}", scopes=[scope])
    session.commit()
    routes = key_routes(app)
    before = snapshot(engine)
    for endpoint, needed in routes.items():
        for scope, key in keys.items():
            if scope is needed:
                continue
            response = _call(client, world, endpoint, key)
            assert response.status_code == 403, (endpoint, scope)
            assert response.json["error"]["code"] == "insufficient_scope"
    assert changed_tables(before, snapshot(engine)) == []
    for endpoint, needed in routes.items():
        response = _call(client, world, endpoint, keys[needed])
        assert response.status_code < 300, (endpoint, response.json)


def test_missing_or_invalid_keys_get_a_stable_401(app, client, engine, session, world, browsers):
    """Proves every API route answers a missing, malformed, unknown or revoked key (and a
    signed-in browser without a key) with 401, a Bearer challenge and the same JSON error
    code on every route, and that nothing changes."""
    revoked_key, revoked = api_keys.create(session, name="old", scopes=list(ApiScope))
    api_keys.revoke(session, revoked_key.id)
    session.commit()
    unknown = f"fbk_{'0' * 8}_{'x' * 43}"
    attempts = {
        "no header": ({}, "unauthorized"),
        "basic auth": ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "unauthorized"),
        "empty bearer": ({"Authorization": "Bearer "}, "unauthorized"),
        "garbage": ({"Authorization": "Bearer not-a-key"}, "invalid_api_key"),
        "unknown": ({"Authorization": f"Bearer {unknown}"}, "invalid_api_key"),
        "too long": ({"Authorization": f"Bearer {world.api_key}{'x' * 200}"},
                     "invalid_api_key"),
        "one char off": ({"Authorization": f"Bearer {world.api_key[:-1]}"
                          f"{'A' if world.api_key[-1] != 'A' else 'B'}"}, "invalid_api_key"),
        "revoked": ({"Authorization": f"Bearer {revoked}"}, "invalid_api_key"),
    }
    signed_in = browsers(ADMIN)
    before = snapshot(engine)
    for what, (headers, code) in attempts.items():
        bodies = set()
        for endpoint in key_routes(app):
            for who, browser in (("nobody", client), ("admin session", signed_in)):
                response = _call(browser, world, endpoint, **headers)
                assert response.status_code == 401, (what, endpoint, who)
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert response.json["error"]["code"] == code, (what, endpoint, who)
                bodies.add(response.get_data())
        assert len(bodies) == 1, f"{what}: the 401 differs between routes"
    assert changed_tables(before, snapshot(engine)) == []


def test_an_engagement_a_key_may_not_read_looks_missing(client, world, session):
    """Proves a conversation a person logged by hand (no external id) is a 404 for the API,
    byte-identical to an id that does not exist, while one the API sent is readable."""
    headers = {"Authorization": f"Bearer {world.api_key}"}
    hand = client.get(f"/api/v1/engagements/{world.hand_logged_engagement_id}",
                      headers=headers)
    nothing = client.get(f"/api/v1/engagements/{MISSING_ID}", headers=headers)
    assert hand.status_code == 404
    assert normalised(hand) == normalised(nothing)
    readable = client.get(f"/api/v1/engagements/{world.ids['engagement_id']}", headers=headers)
    assert readable.status_code == 200 and readable.json["external_id"] == "crm-owner-1"

