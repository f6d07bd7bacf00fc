"""A forged Host (or X-Forwarded-Host, or Forwarded) never reaches a link or a redirect,
and `next=` after signing in only ever lands on a page of this site.

Links in email are built from BASE_URL; redirects are local paths. Both are checked for
every email the app sends from a request or the outbox, for every GET route of the URL
map as every kind of visitor, and for every state-changing route as the one who sends it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from urllib.parse import quote, urljoin, urlsplit

import pytest

from feedback.delivery import outbox as delivery
from feedback.delivery.transport import SmtpTransport
from feedback.integrations import api_keys
from tests.conftest import PASSWORD, Auth, csrf_from
from tests.security.conftest import ADMIN, ANON, COACH, OWNER, PRODUCT
from tests.security.routing import (
    actor,
    documented_exceptions,
    form_data,
    in_safe_order,
    route_url,
    state_changing,
)

EVIL = "evil.example"
FORGED = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http", "X-Forwarded-Port": "80",
          "X-Forwarded-Server": EVIL, "X-Host": EVIL, "X-Original-Host": EVIL,
          "Forwarded": f"host={EVIL};proto=http", "X-Forwarded-Prefix": f"//{EVIL}"}
URL = re.compile(r"(?:https?:)?//[^\s\"'<>]+", re.IGNORECASE)


class Forged:
    """A browser whose every request claims Host: evil.example and carries the forwarding
    headers a proxy could be tricked into passing on. Its cookies live on that host too."""

    def __init__(self, app):
        self.client = app.test_client()

    def open(self, path: str, method: str = "GET", **kwargs):
        headers = {**FORGED, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, base_url=f"http://{EVIL}",
                                    headers=headers, **kwargs)
        response.close()
        return response

    def get(self, path: str, **kwargs):
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs):
        return self.open(path, "POST", **kwargs)


@pytest.fixture(params=[0, 1], ids=["no proxy", "behind one trusted proxy"])
def forged_app(request, app, database_uri, smtp_server, tmp_path):
    """The app as deployed directly, and behind a proxy it trusts (TRUSTED_PROXY_COUNT=1):
    the proxy's X-Forwarded-For and -Proto are believed, its -Host never."""
    if request.param == 0:
        yield app
        return
    from feedback import create_app
    from feedback.config import TestingConfig
    from feedback.core.extensions import db

    proxied = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_uri,
                         MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port,
                         INSTANCE_DIR=str(tmp_path), TRUSTED_PROXY_COUNT=1)
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def _urls_of(message: EmailMessage) -> list[str]:
    found = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found += URL.findall(unescape(part.get_content()))
    for name, value in message.items():
        if name.lower() not in {"message-id", "from", "to", "sender", "return-path"}:
            found += URL.findall(str(value))
    return found


def _every_link_starts_at_base_url(app, received) -> int:
    base = app.config["BASE_URL"] + "/"
    count = 0
    for mail in received:
        assert EVIL.encode() not in mail.data.lower(), mail.message["Subject"]
        for url in _urls_of(mail.message):
            assert url.startswith(base), (mail.message["Subject"], url)
            count += 1
    return count


def test_links_in_every_email_start_at_base_url_whatever_the_host(
        forged_app, session, settings, world, smtp_server):
    """Proves that conversations logged from a page and from the API under a forged Host,
    and set-password emails sent from a request (invite, new link, forgot password) under
    one, carry only links that start with BASE_URL, and never the forged host."""
    owner = Forged(forged_app)
    assert Auth(owner).login(world.user(OWNER)).status_code == 302
    page = owner.get("/me/conversations/new")
    logged = owner.post("/me/conversations/new", data={
        **form_data(forged_app, world, "me.log_conversation"), "csrf_token": csrf_from(page.text)})
    assert logged.status_code == 302
    _, key = api_keys.create(session, name="CRM", scopes=["engagements:write"])
    session.commit()
    crm = Forged(forged_app)
    sent = crm.post("/api/v1/engagements", headers={"Authorization": f"Bearer {key}"}, json={
        "external_id": "crm-forged", "salesperson_email": world.user(OWNER).email,
        "customer_email": "api.forged@client.example", "customer_name": "Api Forged",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "kind": "call"})
    assert sent.status_code == 201

    admin = Forged(forged_app)
    assert Auth(admin).login(world.user(ADMIN)).status_code == 302
    token = csrf_from(admin.get("/admin/users/invite").text)
    for endpoint in ("admin.invite", "admin.send_link"):
        response = admin.post(route_url(forged_app, world, endpoint), data={
            **form_data(forged_app, world, endpoint), "csrf_token": token})
        assert response.status_code == 302, endpoint
    stranger = Forged(forged_app)
    token = csrf_from(stranger.get("/account/forgot-password").text)
    asked = stranger.post("/account/forgot-password", data={
        "email": world.user(OWNER).email, "csrf_token": token})
    assert asked.status_code == 302

    with forged_app.app_context(), SmtpTransport() as transport:
        result = delivery.run_pass(session, transport, worker_id="host-test",
                                   settings=settings,
                                   now=lambda: datetime.now(UTC) + timedelta(hours=3))
    assert result.sent >= 2  # the two logged above, and the world's own
    recipients = {r for mail in smtp_server.received for r in mail.recipients}
    assert "api.forged@client.example" in recipients
    assert any(r.startswith("rosa-") for r in recipients)
    subjects = [m.message["Subject"] for m in smtp_server.received]
    assert sum("password" in s.lower() or "invited" in s.lower() for s in subjects) == 3
    assert _every_link_starts_at_base_url(forged_app, smtp_server.received) > 10


def _lands_here(location: str, base_url: str) -> bool:
    """Whether a browser following this Location stays on this site: browsers drop
    leading and trailing control characters and spaces, remove tabs and newlines
    anywhere, and read a backslash as a slash."""
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    target = urlsplit(urljoin(base_url + "/a/page", cleaned))
    return target.scheme in ("http", "https") and target.netloc == urlsplit(base_url).netloc


def _check_redirect(response, base_url: str, what) -> None:
    assert response.status_code < 500, what
    if 300 <= response.status_code < 400:
        location = response.headers["Location"]
        assert EVIL not in location.lower(), (what, location)
        assert location.startswith("/") or location.startswith(base_url + "/"), (what, location)
        assert _lands_here(location, base_url), (what, location)
    assert EVIL.encode() not in response.get_data().lower(), what


def test_no_page_or_redirect_follows_a_forged_host(app, world):
    """Proves that every GET route (with real ids, signed out and as one visitor of each
    role) and every state-changing route (sent by someone who may, with a valid form)
    answers a forged Host with redirects to local paths only, pages that never name the
    forged host, and no server error."""
    base = app.config["BASE_URL"]
    # One visitor of each area's role, and one signed out, is enough to meet every redirect.
    visitors = (ANON, OWNER, COACH, ADMIN, PRODUCT)
    browsers = {}
    for who in visitors:
        browsers[who] = Forged(app)
        if who != ANON:
            assert Auth(browsers[who]).login(world.user(who)).status_code == 302
    redirects = 0
    gets = sorted({r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods
                   and r.endpoint != "static"})
    for endpoint in gets:
        url = route_url(app, world, endpoint)
        for who in visitors:
            response = browsers[who].get(url)
            _check_redirect(response, base, (who, url))
            redirects += 300 <= response.status_code < 400

    tokens = {who: csrf_from(browsers[who].get("/", follow_redirects=True).text)
              for who in visitors}
    changing = [r for r in state_changing(app) if r not in documented_exceptions(app)]
    for endpoint, method in in_safe_order(changing):
        who = actor(endpoint)
        browser = Forged(app) if who == ANON else browsers[who]
        token = csrf_from(browser.get("/login").text) if who == ANON else tokens[who]
        response = browser.open(route_url(app, world, endpoint), method, data={
            **form_data(app, world, endpoint), "csrf_token": token})
        _check_redirect(response, base, (who, method, endpoint))
        redirects += 300 <= response.status_code < 400
    assert redirects > 40  # sign-in redirects, and most forms answer with one


#: `next=` values that would leave the site if followed, each a trick some browser or
#: parser has fallen for; and what they must not become.
HOSTILE_NEXT = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\\/evil.example", "https://evil.example",
    "http://evil.example/me/feedback", "https:evil.example", "http:/evil.example",
    "HTTPS://EVIL.EXAMPLE", "//evil.example/%2F..", "//evil.example@feedback.test",
    "https://feedback.test@evil.example", "%2F%2Fevil.example", "%2f%5cevil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "\tjavascript:alert(1)",
    "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "\t//evil.example", " //evil.example", "\n//evil.example", "\x00//evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example",
    "/%09/evil.example", "/ /evil.example", "//\tevil.example", "//evil.example\\@feedback.test",
    "\u3000//evil.example", "/\u3000/evil.example", "\uff0f\uff0fevil.example",
]


def _next_field(page: str) -> str:
    tag = next(t for t in re.findall(r"<input[^>]*>", page) if 'name="next"' in t)
    match = re.search(r'value="([^"]*)"', tag)
    return unescape(match.group(1)) if match else ""


@pytest.fixture
def someone(make_user):
    return make_user()


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=repr)
def test_next_only_ever_leads_to_a_local_page(app, client, someone, target):
    """Proves that signing in from /login?next=<a hostile target>, submitting the form the
    way a browser does (the target rides in its hidden field), redirects to a page on
    this site: never elsewhere, never a script URL, never an error."""
    page = client.get(f"/login?next={quote(target, safe='')}")
    if "\x00" in target:
        # A NUL anywhere in a request is refused before any view (feedback/security.py).
        assert page.status_code == 400 and "Location" not in page.headers
        return
    assert page.status_code == 200
    response = client.post("/login", data={
        "email": someone.email, "password": PASSWORD,
        "next": _next_field(page.text), "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert _lands_here(response.headers["Location"], app.config["BASE_URL"]), (
        response.headers["Location"])


def test_a_local_next_is_followed(client, someone):
    """The other side of the test above: a local path (with its query) is kept."""
    page = client.get("/login?next=" + quote("/me/trends?period=month", safe=""))
    response = client.post("/login", data={
        "email": someone.email, "password": PASSWORD,
        "next": _next_field(page.text), "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == "/me/trends?period=month"
