"""Response headers and proxy trust, set in one place for every response.

Flask-Talisman writes the Content-Security-Policy, HSTS, frame and referrer headers.
The policy allows nothing inline and nothing from another origin: the project ships
its own stylesheet and no script a page could not work without.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask.helpers import get_debug_flag
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback.core.error_pages import render_error

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()",
                      "payment": "()", "browsing-topics": "()"}
_NUL_MESSAGE = ("Part of what you sent contained a null character, which we can't keep. "
                "Please remove it and try again.")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Blueprints whose URLs hold a secret (survey tokens).
SECRET_URL_BLUEPRINTS = frozenset({"survey"})


def secret_url(view: Callable) -> Callable:
    """Mark a view whose URL carries a token: no Referer leaves it, no cache keeps it."""
    view.secret_url = True
    return view


def init_app(app: Flask) -> None:
    """Refuse debug in production, trust the configured proxies, set the headers."""
    if app.config["ENV_NAME"] == "production" and (app.debug or get_debug_flag()):
        raise RuntimeError("Debug mode must never be on in production (unset FLASK_DEBUG)")
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        # Client address and scheme only; X-Forwarded-Host is never trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    @app.before_request
    def refuse_oversized_streams():
        # A chunked body has no Content-Length, and Werkzeug silently cuts such a body at
        # MAX_CONTENT_LENGTH: a form would be parsed short instead of refused. Read it
        # here (it is cached for the form parser) and ask for one byte more, which
        # raises 413 when the body went past the limit. Multipart uploads (CSV import)
        # are refused by Werkzeug's multipart parser itself, under their own limit.
        if (request.content_length is None and request.method in _WITH_BODY
                and request.environ.get("wsgi.input_terminated")
                and request.mimetype != "multipart/form-data"):
            request.get_data(cache=True)
            request.stream.read(1)

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store a NUL in text, and no person types one: refuse it
        # once here rather than as a database error in every form. (Uploads are
        # parsed by their own view, under their own size limit; the API validates its
        # own input and answers 422, as its OpenAPI document says.)
        if request.mimetype == "multipart/form-data" or request.blueprint == "api":
            return None
        for key, value in (*request.args.items(multi=True), *request.form.items(multi=True)):
            if "\x00" in key or "\x00" in value:
                return render_error(400, _NUL_MESSAGE, code="null_character")
        return None

    @app.after_request
    def private_pages(response):
        # Registered before Talisman's hook, so it runs after it and has the last word.
        view = app.view_functions.get(request.endpoint or "")
        has_secret = (request.blueprint in SECRET_URL_BLUEPRINTS
                      or getattr(view, "secret_url", False))
        if has_secret:
            response.headers["Referrer-Policy"] = "no-referrer"
        # Someone's data must not sit in a shared cache or behind the back button.
        if has_secret or current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response

    # One Talisman per app: it keeps its options on itself, and tests build several apps.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # the proxy in front redirects; the app must answer health checks
        strict_transport_security=app.config["HSTS_ENABLED"],
        strict_transport_security_include_subdomains=False,
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
    )
