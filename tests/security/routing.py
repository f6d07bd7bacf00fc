"""The requests the security tests send: which routes change state, who may send each,
to which URL, with what form, and the API calls each key scope allows."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

from flask import url_for

from feedback.core import settings_store as app_settings
from feedback.models import ApiScope
from tests.conftest import PASSWORD
from tests.security.conftest import ADMIN, ANON, COACH, OTHER_MANAGER, OWNER, TEAMMATE, World


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def settings_form(app, **changes) -> dict:
    """The admin settings form as the page posts it: the environment's values, plus changes."""
    data = {spec.key.lower(): str(app.config[spec.key]) for spec in app_settings.NUMBERS}
    data["internal_domains"] = ", ".join(app.config["INTERNAL_DOMAINS"])
    data.update({k: str(v) for k, v in changes.items()})
    return data


def form_data(app, world: World, endpoint: str) -> dict:
    """A form for `endpoint` that would be accepted from a visitor allowed to send it,
    so that when it is refused, the refusal is the thing under test."""
    users = world.users
    today = datetime.now(UTC).date()
    forms = {
        "admin.invite": lambda: {"name": "Nia New", "email": f"{unique('nia')}@staff.example",
                                 "role": "salesperson", "team": str(world.ids["team_id"])},
        "admin.person": lambda: {"role": "salesperson", "team": "0"},
        "admin.new_team": lambda: {"name": unique("Team")},
        "admin.rename_team": lambda: {"name": unique("Renamed")},
        "admin.team_people": lambda: {"managers": [str(users[OTHER_MANAGER].id)],
                                      "members": [str(users[OWNER].id)]},
        "admin.settings": lambda: settings_form(app, cooldown_days=45),
        "admin.api_keys": lambda: {"name": unique("Script"), "scopes": ["engagements:read"]},
        "admin.suppressions": lambda: {"email": f"{unique('nobody')}@client.example"},
        "auth.login": lambda: {"email": users[OWNER].email, "password": PASSWORD},
        "auth.set_password": lambda: {"password": "a brand new passphrase",
                                      "confirm": "a brand new passphrase"},
        "auth.change_password": lambda: {"current": PASSWORD,
                                         "password": "a brand new passphrase",
                                         "confirm": "a brand new passphrase"},
        "auth.forgot_password": lambda: {"email": users[OWNER].email},
        # A file whose columns mean nothing: refused with a message, no import started.
        "admin.imports": lambda: {"file": (io.BytesIO(b"nothing,we,know\n1,2,3\n"), "x.csv"),
                                  "dry_run": "y"},
        "me.log_conversation": lambda: {
            "customer_name": "Rosa Diaz", "customer_email": f"{unique('rosa')}@client.example",
            "company": "Brightline", "kind": "call",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
        "me.reflection": lambda: {"body": "PROBE reflection"},
        "me.new_share": lambda: {"coach": str(users[TEAMMATE].id), "scope": "period",
                                 "first_week": (today - timedelta(weeks=2)).isoformat(),
                                 "last_week": today.isoformat()},
        "me.share_note": lambda: {"body": "PROBE note"},
        "coaching.add_note": lambda: {"body": "PROBE note"},
        "me.settings": lambda: {"weekly_digest": "y"},
        "survey.answer": lambda: {"respected": "5", "helped": "5", "pressure": "no",
                                  "doubtful_promise": "no", "improve_comment": "PROBE"},
    }
    make = forms.get(endpoint)
    return {"submit": "Go", **(make() if make else {})}


def api_request(world, endpoint: str) -> tuple[str, str, dict | None]:
    """(method, path, JSON body) of a request that succeeds with a key holding the scope."""
    new = {"external_id": f"crm-{endpoint}", "salesperson_email": world.user(OWNER).email,
           "customer_email": f"{endpoint.replace('.', '-')}@client.example",
           "customer_name": "Casey Customer", "company": "Client Co", "kind": "call",
           "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat()}
    return {
        "api.create_engagement": ("POST", "/api/v1/engagements", new),
        "api.create_batch": ("POST", "/api/v1/engagements/batch", {"items": [new]}),
        "api.get_engagement": ("GET", f"/api/v1/engagements/{world.ids['engagement_id']}",
                               None),
        "api.find_engagement": ("GET", "/api/v1/engagements?external_id=crm-owner-1", None),
        "api.add_suppression": ("POST", "/api/v1/suppressions",
                                {"email": "new.one@client.example"}),
        "api.lift_suppression": ("DELETE", "/api/v1/suppressions",
                                 {"email": "bounced@client.example"}),
    }[endpoint]


def key_routes(app) -> dict[str, ApiScope]:
    """Every API route that needs a key, and the scope it needs."""
    return {rule.endpoint: app.view_functions[rule.endpoint].api_scope
            for rule in app.url_map.iter_rules()
            if hasattr(app.view_functions[rule.endpoint], "api_scope")}


# --- Who sends which state-changing request -------------------------------------------

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
#: Who sends each route's form in these tests: by endpoint, else by blueprint.
ACTORS = {
    "auth.login": ANON,
    "auth.set_password": ANON,
    "auth.forgot_password": ANON,
    "auth.logout": OWNER,
    "auth.change_password": OWNER,
    "auth.end_other_sessions": OWNER,
    "auth.end_session": OWNER,
    "me": OWNER,
    "coaching": COACH,
    "team": COACH,
    "admin": ADMIN,
    "survey": ANON,
}
#: Their accepted requests run last, in this order: each ends access a later one needs.
ENDS_ACCESS = ("me.revoke_share", "admin.team_people", "admin.person", "auth.change_password",
               "auth.end_other_sessions", "auth.logout", "admin.deactivate")


def state_changing(app) -> list[tuple[str, str]]:
    """Every (endpoint, method) of the URL map that may change something."""
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods & STATE_CHANGING})


def documented_exceptions(app) -> set[tuple[str, str]]:
    """Routes that take no CSRF token: one-click unsubscribe and the keyed API."""
    keyed = key_routes(app)
    return {("survey.unsubscribe", "POST")} | {
        (endpoint, method) for endpoint, method in state_changing(app) if endpoint in keyed}


def actor(endpoint: str) -> str:
    """Who sends this route's form in these tests."""
    who = ACTORS.get(endpoint) or ACTORS.get(endpoint.split(".")[0])
    assert who, f"{endpoint}: say in ACTORS who may send it"
    return who


def route_url(app, world, endpoint: str) -> str:
    """The route's URL with the world's real ids and tokens."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {**world.ids, "token": world.link_token if endpoint == "auth.set_password"
              else world.ids["token"]}
    with app.test_request_context():
        return url_for(endpoint, **{arg: values[arg] for arg in rule.arguments})


def in_safe_order(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The routes with those in ENDS_ACCESS moved to the end, in its order."""
    last = {endpoint: i + 1 for i, endpoint in enumerate(ENDS_ACCESS)}
    return sorted(routes, key=lambda route: last.get(route[0], 0))
