"""Sign-in, health, the survey pages and static files."""

from tests.access_rules import ADMIN, ANON, MANAGER, OTHER, PRODUCT, SELLER, everyone

BOGUS_TOKEN = "A" * 32

RULES = {
    ("auth.home", "GET"): {ANON: 302, SELLER: 302, OTHER: 302, MANAGER: 200, ADMIN: 200,
                           PRODUCT: 200},
    ("auth.login", "GET"): {ANON: 200, SELLER: 302, OTHER: 302, MANAGER: 302, ADMIN: 302,
                            PRODUCT: 302},
    # A POST without a CSRF token is refused before anything else looks at it...
    ("auth.login", "POST"): everyone(400),
    ("auth.logout", "POST"): everyone(400),
    ("health.healthz", "GET"): everyone(200),
    # Survey pages are public; an unknown token is a 404 for everyone alike.
    ("survey.answer", "GET"): everyone(404),
    ("survey.answer", "POST"): everyone(400),
    ("survey.thanks", "GET"): everyone(404),
    ("survey.unsubscribe", "GET"): everyone(404),
    # ...except RFC 8058 one-click unsubscribe, which needs none (and 404s on a bad token).
    ("survey.unsubscribe", "POST"): everyone(404),
    ("survey.about", "GET"): everyone(200),
    ("static", "GET"): everyone(200),
}

URL_VALUES = {"token": BOGUS_TOKEN, "filename": "feedback.css"}
