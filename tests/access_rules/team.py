"""Managers' team trends: managers only; a team they do not manage is a 404."""

from tests.access_rules import MANAGER, everyone, only

#: Also admin.py's team id: one that does not exist, so a manager gets 404 (as for a team
#: they do not manage) and everyone else their 403.
MISSING_TEAM = 999_999

RULES = {
    ("team.index", "GET"): only(200, MANAGER),
    ("team.trends_page", "GET"): only(404, MANAGER),
    # A POST without a CSRF token is refused before anything else looks at it.
    ("team.export", "POST"): everyone(400),
}

URL_VALUES = {"team_id": MISSING_TEAM}
