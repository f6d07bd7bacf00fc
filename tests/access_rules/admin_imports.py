"""Admin CSV import pages."""

from tests.access_rules import ADMIN, everyone, only

RULES = {
    ("admin.imports", "GET"): only(200, ADMIN),
    # The upload checks its own CSRF token (after raising the size limit): no token, 400.
    ("admin.imports", "POST"): only(400, ADMIN),
    ("admin.import_run", "GET"): only(404, ADMIN),
    ("admin.import_rejections", "GET"): only(404, ADMIN),
    ("admin.import_confirm", "POST"): everyone(400),
}

URL_VALUES = {"run_id": 987654}
