"""My account (every signed-in role), forgot-password (public), and the public pages
behind a link: set your password (staff), delete my answer (customers).

An unknown link is a 404 for everyone alike; a POST without a CSRF token is refused first.
"""

from tests.access_rules import ANON, everyone

SIGNED_IN = {**everyone(200), ANON: 302}

RULES = {
    ("auth.account", "GET"): SIGNED_IN,
    ("auth.change_password", "POST"): everyone(400),
    ("auth.end_other_sessions", "POST"): everyone(400),
    ("auth.end_session", "POST"): everyone(400),
    ("auth.forgot_password", "GET"): everyone(200),
    ("auth.forgot_password", "POST"): everyone(400),
    ("auth.reset_requested", "GET"): everyone(200),
    ("auth.set_password", "GET"): everyone(404),
    ("auth.set_password", "POST"): everyone(400),
    ("survey.delete_answer", "GET"): everyone(404),
    ("survey.delete_answer", "POST"): everyone(400),
}

URL_VALUES = {"session_id": 1}
