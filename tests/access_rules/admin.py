"""The admin area: admins only; every change is a POST that needs a CSRF token first."""

from tests.access_rules import ADMIN, everyone, only

MISSING = 999_999  # an id that does not exist: admins get 404, everyone else their 403

RULES = {
    ("admin.index", "GET"): only(302, ADMIN),
    ("admin.users", "GET"): only(200, ADMIN),
    ("admin.invite", "GET"): only(200, ADMIN),
    ("admin.invite", "POST"): everyone(400),
    ("admin.person", "GET"): only(404, ADMIN),
    ("admin.person", "POST"): everyone(400),
    ("admin.deactivate", "POST"): everyone(400),
    ("admin.reactivate", "POST"): everyone(400),
    ("admin.send_link", "POST"): everyone(400),
    ("admin.teams", "GET"): only(200, ADMIN),
    ("admin.new_team", "GET"): only(200, ADMIN),
    ("admin.new_team", "POST"): everyone(400),
    ("admin.team", "GET"): only(404, ADMIN),
    ("admin.rename_team", "POST"): everyone(400),
    ("admin.team_people", "POST"): everyone(400),
    ("admin.settings", "GET"): only(200, ADMIN),
    ("admin.settings", "POST"): everyone(400),
    ("admin.api_keys", "GET"): only(200, ADMIN),
    ("admin.api_keys", "POST"): everyone(400),
    ("admin.revoke_api_key", "POST"): everyone(400),
    ("admin.suppressions", "GET"): only(200, ADMIN),
    ("admin.suppressions", "POST"): everyone(400),
    ("admin.lift_suppression", "POST"): everyone(400),
    ("admin.delivery", "GET"): only(200, ADMIN),
    ("admin.audit", "GET"): only(200, ADMIN),
}

URL_VALUES = {"user_id": MISSING, "team_id": MISSING, "suppression_id": MISSING,
              "key_id": MISSING}
