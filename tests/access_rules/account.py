"""Public pages behind a link: set your password (staff), delete my answer (customers).

An unknown link is a 404 for everyone alike; a POST without a CSRF token is refused first.
"""

from tests.access_rules import everyone

RULES = {
    ("auth.set_password", "GET"): everyone(404),
    ("auth.set_password", "POST"): everyone(400),
    ("survey.delete_answer", "GET"): everyone(404),
    ("survey.delete_answer", "POST"): everyone(400),
}
