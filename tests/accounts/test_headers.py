"""Security headers on every kind of response, cookie flags per environment, no inline
script or style anywhere (so the strict CSP breaks nothing), and no debug in production."""

from __future__ import annotations

import re

import pytest

from feedback import create_app
from feedback.config import ProductionConfig
from feedback.core import navigation
from feedback.models import Role
from tests.conftest import Auth

CSP_MUST_HAVE = ["default-src 'self'", "script-src 'self'", "style-src 'self'",
                 "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'",
                 "form-action 'self'"]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.IGNORECASE)


def _assert_secure_headers(response, *, private: bool, secret_url: bool = False) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    for part in CSP_MUST_HAVE:
        assert part in csp, f"{response.request.path}: CSP lacks {part!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    expected_referrer = "no-referrer" if secret_url else "same-origin"
    assert response.headers["Referrer-Policy"] == expected_referrer, response.request.path
    if private:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    assert "Strict-Transport-Security" not in response.headers  # only in production


def _assert_no_inline_code(response) -> None:
    if response.mimetype != "text/html":
        return
    html = response.text
    assert not _INLINE_SCRIPT.search(html), f"inline <script> on {response.request.path}"
    assert not _INLINE_STYLE.search(html), f"inline style or handler on {response.request.path}"


def test_public_pages(client):
    for path in ("/login", "/account/forgot-password", "/healthz", "/static/feedback.css",
                 "/no-such-page"):
        with client.get(path) as response:
            _assert_secure_headers(response, private=False)
            _assert_no_inline_code(response)


def test_survey_pages_send_no_referrer_and_are_never_cached(client, make_user, survey_link):
    _, token = survey_link(make_user())
    for path in (f"/s/{token}", f"/u/{token}", f"/s/{token}/delete", "/s/" + "x" * 32,
                 "/about-answers"):
        response = client.get(path)
        _assert_secure_headers(response, private=True, secret_url=True)
        _assert_no_inline_code(response)


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_page_in_the_navigation(app, client, make_user, role, log_conversation):
    user = make_user(role)
    if role is Role.SALESPERSON:
        log_conversation(user)
    Auth(client).login(user)
    with app.test_request_context():
        from flask import url_for

        paths = ["/", "/account"] + [url_for(item.endpoint)
                                     for item in navigation.items_for(role)]
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        _assert_secure_headers(response, private=True)
        _assert_no_inline_code(response)


def test_api_responses_carry_the_headers_too(client):
    response = client.get("/api/v1/engagements/1")
    assert response.status_code == 401
    _assert_secure_headers(response, private=False)
    assert response.headers["Cache-Control"] == "no-store"


def test_development_cookie_is_httponly_and_lax(client, make_user):
    response = Auth(client).login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("feedback_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def production_app(monkeypatch, database_uri):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-test-secret")
    monkeypatch.setenv("BASE_URL", "https://feedback.example.com")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_uri,
                     BASE_URL="https://feedback.example.com")
    yield app
    _dispose(app)


def _dispose(app) -> None:
    """Close the pool of an app built by one test (its connections must not outlive it)."""
    from feedback.core.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_cookie_is_host_prefixed_secure_and_hsts_is_sent(production_app, make_user):
    user = make_user()
    client = production_app.test_client()
    https = {"base_url": "https://feedback.example.com"}
    page = client.get("/login", **https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    from tests.conftest import csrf_from

    response = client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                           "csrf_token": csrf_from(page.text)}, **https)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-feedback_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie
    # Plain HTTP never gets HSTS (browsers ignore it there anyway).
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_survey_answers_post_over_https_without_a_referer(production_app, make_user,
                                                         survey_link):
    """The survey page sends no Referer, so a browser's POST from it has none: CSRF must
    still accept it (the token does the work)."""
    from tests.conftest import csrf_from

    _, token = survey_link(make_user())
    client = production_app.test_client()
    https = {"base_url": "https://feedback.example.com"}
    page = client.get(f"/s/{token}", **https)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(f"/s/{token}", data={
        "respected": "4", "helped": "3", "pressure": "a_little", "doubtful_promise": "no",
        "comment": "Kind and clear.", "csrf_token": csrf_from(page.text)}, **https)
    assert response.status_code in (302, 303), response.text[:500]


def test_production_refuses_to_start_in_debug_mode(monkeypatch, database_uri):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-test-secret")
    monkeypatch.setenv("BASE_URL", "https://feedback.example.com")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="Debug mode must never be on in production"):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_uri)


def test_an_error_page_shows_no_trace_even_with_a_crashing_view(production_app):
    @production_app.get("/crash-for-test")
    def crash():
        raise RuntimeError("SELECT secret FROM internals WHERE token = 'abc'")

    crash.is_public = True
    response = production_app.test_client().get("/crash-for-test")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "SELECT" not in response.text
    assert "internals" not in response.text


def test_forwarded_client_address_is_trusted_only_when_configured(app, make_user, monkeypatch):
    """Behind no proxy, X-Forwarded-For is ignored: a client cannot dodge the per-address
    sign-in limit by inventing addresses."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "2 per 15 minutes")
    from tests.accounts.test_throttle import _attempt

    client = app.test_client()
    for n in range(2):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{n}"
        assert _attempt(client, f"guess{n}@staff.example").status_code == 200
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.99"
    assert _attempt(client, "guess9@staff.example").status_code == 429


def test_dev_mailbox_preview_is_sandboxed_and_framable_only_by_the_app(database_uri, tmp_path):
    from feedback.config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=database_uri,
                     INSTANCE_DIR=str(tmp_path))
    folder = tmp_path / "dev_mailbox"
    folder.mkdir()
    name = "202611271200000-test.eml"
    (folder / name).write_bytes(
        b"Subject: Hi\r\nTo: a@b.example\r\nFrom: f@feedback.example\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p style=\"color:red\">Hello</p>\r\n")
    client = app.test_client()
    preview = client.get(f"/dev/mailbox/{name}/html")
    assert preview.status_code == 200
    csp = preview.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "script-src" not in csp  # falls back to 'none'
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    # The page around it keeps the strict policy.
    page = client.get(f"/dev/mailbox/{name}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    _dispose(app)
