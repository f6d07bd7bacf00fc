"""Hostile text in every field anyone can type into comes out harmless everywhere it is shown.

For each group of payloads from tests/security/payloads.py one whole organisation is
built through the real entry points (admin forms, the log-a-conversation form, the API,
a CSV upload, the survey form, reflections, shares, notes, the sign-in and search boxes),
with the payloads plus a field tag in every text field, and in the organisation's name.
Then every page each role can reach by following links from its navigation is opened,
every email the worker and the account pages send is read off the SMTP server, and every
export is downloaded. Every HTML response (and HTML mail part) must contain nothing that
would run and must show the tagged texts escaped; plain-text mail and JSON carry them as
typed; CSV cells never start a formula; a name never changes a mail's sender.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.security import generate_password_hash

from feedback.accounts import passwords as accounts
from feedback.cli.digests import send_digests
from feedback.core import settings_store as app_settings
from feedback.delivery import outbox as delivery
from feedback.delivery.transport import SmtpTransport
from feedback.delivery.worker import send_due
from feedback.models import ImportRun, Response, Role, Share, Team, User
from tests.conftest import PASSWORD, csrf_from
from tests.integrations.imports import pages
from tests.security.payloads import (
    PAYLOADS,
    as_a_spreadsheet_keeps_it,
    assert_inert,
    assert_no_formulas,
    assert_shows_escaped,
    csv_cells,
    email_for,
    escaped,
    first_word,
    tagged,
)

BASE = "https://feedback.test"
SURVEY_LINK = re.compile(r"https://feedback\.test(/s/[A-Za-z0-9_-]+)(?=\s)")
SET_PASSWORD_LINK = re.compile(r"https://feedback\.test(/account/set-password/[A-Za-z0-9_-]+)")
#: Links a crawler must not follow: they end the session or leave the app.
NOT_FOLLOWED = re.compile(r"^/(logout|dev/)")
MAX_PAGES_PER_ROLE = 120


@dataclass
class World:
    """What one payload run planted, and everything it saw come back."""

    app: object
    payload: str
    parts: list[str]
    texts: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    #: (who, endpoint) -> bodies of the HTML pages seen there.
    pages: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    browsers: dict[str, Browser] = field(default_factory=dict)
    #: Every endpoint that answered a request, whatever its type.
    answered: set[str] = field(default_factory=set)

    def signed_in(self, who: str) -> Browser:
        """`who`'s browser, signed in once and kept (signing in costs a password hash)."""
        if who not in self.browsers:
            browser = Browser(self, who)
            browser.sign_in(self.email(who, "staff.example"))
            self.browsers[who] = browser
        return self.browsers[who]

    def text(self, tag: str) -> str:
        """The payload tagged for one field (made once, then the same every time)."""
        return self.texts.setdefault(tag, tagged(self.payload, tag))

    def email(self, tag: str, domain: str) -> str:
        return self.emails.setdefault(tag, email_for(tag, domain))

    @property
    def planted(self) -> list[str]:
        return [*self.parts, *self.texts.values(), *self.emails.values()]

    def endpoint(self, method: str, path: str) -> str:
        try:
            return self.app.url_map.bind("feedback.test").match(urlsplit(path).path,
                                                                 method=method)[0]
        except HTTPException:
            return "<no route>"

    def saw(self, who: str, response) -> None:
        """Check one response and keep it for the expectations."""
        body = response.get_data(as_text=True)
        method, path = response.request.method, response.request.full_path.rstrip("?")
        where = f"{who} {method} {path} {response.status_code}"
        assert response.status_code < 500, where
        self.answered.add(self.endpoint(method, path))
        if response.mimetype == "text/html":
            assert_inert(body, self.planted, where)
            self.pages[(who, self.endpoint(method, path))].append(body)
        elif response.mimetype == "text/csv":
            assert_no_formulas(body, where)


class Browser:
    """One person's browser; every response it receives is checked as it arrives."""

    def __init__(self, world: World, who: str):
        self.world, self.who = world, who
        self.client = world.app.test_client()

    def get(self, url: str, **kwargs):
        response = self.client.get(url, follow_redirects=True, **kwargs)
        self.world.saw(self.who, response)
        return response

    def post(self, url: str, data: dict, *, page: str | None = None, **kwargs):
        """Submit a form the way a browser does: token from the page, then follow redirects."""
        token = csrf_from(self.get(page or url).text)
        response = self.client.post(url, data={**data, "csrf_token": token},
                                    follow_redirects=True, **kwargs)
        self.world.saw(self.who, response)
        return response

    def sign_in(self, email: str) -> None:
        response = self.post("/login", {"email": email, "password": PASSWORD})
        assert "/login" not in response.request.path, f"{self.who} could not sign in"


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("text", "number") and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""


def _inputs(html: str) -> dict[str, str]:
    """The text and number inputs of a page's forms, as filled in."""
    parser = _Inputs()
    parser.feed(html)
    return parser.values


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def crawl(browser: Browser, start: list[str]) -> set[str]:
    """Open every local page reachable by links from `start`; returns the paths opened."""
    seen, queue = set(), list(start)
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        parts = urlsplit(urljoin(BASE + "/", url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc != "feedback.test" or path in seen or NOT_FOLLOWED.match(path):
            continue
        seen.add(path)
        response = browser.get(path)
        if response.mimetype == "text/html":
            links = _Links()
            links.feed(response.text)
            queue.extend(links.hrefs)
    assert len(seen) < MAX_PAGES_PER_ROLE, "the crawl did not finish; raise the limit"
    return seen


def _user(session, email: str) -> User:
    session.expire_all()
    return session.scalars(select(User).where(User.email == email)).one()


def _mails(smtp_server, pattern: str) -> list:
    return [r for r in smtp_server.received if re.search(pattern, r.message_id)]


def _recent() -> str:
    return (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")


def _wait_for_import(session, run_id: int) -> ImportRun:
    return pages.finished_run(session, run_id)


def build(world: World, session, smtp_server) -> dict:
    """The organisation, made through the real forms, API, upload and survey; returns ids."""
    w = world
    admin_email = w.email("admin", "staff.example")
    admin = accounts.create_user(session, email=admin_email, name=w.text("admin"),
                                 role=Role.ADMIN, password=PASSWORD,
                                 hash_method="pbkdf2:sha256:1000")
    session.commit()
    ids = {"admin": admin.id}

    boss = w.signed_in("admin")
    boss.post("/admin/teams/new", {"name": w.text("team")})
    team_id = session.scalars(select(Team.id).where(Team.name == w.text("team"))).one()
    # A refused rename shows the typed name back in the form.
    boss.post(f"/admin/teams/{team_id}/name", {"name": w.text("team-too-long") + "x" * 130},
              page=f"/admin/teams/{team_id}")

    people = {"seller": Role.SALESPERSON, "manager": Role.MANAGER, "product": Role.PRODUCT}
    for who, role in people.items():
        boss.post("/admin/users/invite", {
            "name": w.text(who), "email": w.email(who, "staff.example"), "role": role.value,
            "team": str(team_id if role is Role.SALESPERSON else 0)})
        [invite] = smtp_server.messages_to(w.email(who, "staff.example"))
        link = SET_PASSWORD_LINK.search(invite.message.get_body(("plain",)).get_content())
        newcomer = Browser(w, "newcomer")
        newcomer.get(link.group(1))
        if who == "seller":
            newcomer.post(link.group(1), {"password": PASSWORD, "confirm": PASSWORD})
        # One person sets a password through the page; everyone signs in with a cheap
        # hash (the page's scrypt takes a sixth of a second, every sign-in again).
        user = _user(session, w.email(who, "staff.example"))
        user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        session.commit()
        ids[who] = user.id
    boss.post(f"/admin/teams/{team_id}/people",
              {"managers": str(ids["manager"]), "members": str(ids["seller"])},
              page=f"/admin/teams/{team_id}")
    keys = boss.post("/admin/keys", {"name": w.text("key"), "scopes": "engagements:write"})
    secret = re.search(r'class="secret-value">([^<]+)<', keys.text).group(1)
    numbers = _inputs(boss.get("/admin/settings").text)
    refused = boss.post("/admin/settings", {**numbers, "internal_domains": w.text("domains")})
    # The refusal quotes back what is not a domain (lower-cased, split at spaces).
    quoted = re.search(r"These are not domain names: ([^<]*)", refused.text)
    assert quoted and quoted.group(1).startswith(
        escaped(app_settings.parse_domains(w.text("domains"))[0]))
    boss.get("/admin/suppressions?q=" + quote(w.text("search"), safe=""))
    boss.post("/admin/suppressions", {"email": w.text("suppress")})
    boss.post(f"/admin/users/{ids['seller']}/send-link", {}, page=f"/admin/users/{ids['seller']}")
    Browser(w, "visitor").post("/account/forgot-password",
                               {"email": w.email("seller", "staff.example")})

    seller = w.signed_in("seller")
    conversation = {"customer_name": w.text("cust-ui"), "company": w.text("co-ui"),
                    "occurred_at": (datetime.now(UTC) - timedelta(hours=3))
                    .strftime("%Y-%m-%dT%H:%M"), "kind": "demo"}
    # A refused form shows what was typed; then the real one.
    seller.post("/me/conversations/new", {**conversation, "customer_email": "not an address"})
    seller.post("/me/conversations/new",
                {**conversation, "customer_email": w.email("ui", "client.example")})

    api = w.app.test_client().post("/api/v1/engagements", headers={
        "Authorization": f"Bearer {secret}"}, json={
        "external_id": w.text("ext"), "salesperson_email": w.email("seller", "staff.example"),
        "customer_email": w.email("api", "client.example"), "customer_name": w.text("cust-api"),
        "company": w.text("co-api"),
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "kind": "call"})
    assert api.status_code == 201, api.text
    assert api.mimetype == "application/json"
    assert json.loads(api.text)["external_id"] == w.text("ext")
    # A refusal that may quote the input is JSON too, never something a browser renders.
    refused = w.app.test_client().post("/api/v1/engagements", headers={
        "Authorization": f"Bearer {secret}"}, json={"external_id": w.text("ext-refused"),
                                                    "customer_email": w.text("api-email")})
    assert refused.status_code == 422
    assert refused.mimetype == "application/json"
    assert refused.headers["X-Content-Type-Options"] == "nosniff"

    _upload(w, boss, session)
    assert send_due(w.app).sent == 3
    ids["team"] = team_id
    return ids


def _upload(w: World, boss: Browser, session) -> None:
    """A CSV whose customer-name column has a hostile header, one good row, one refused."""
    header = ["CRM ID", "Salesperson", "Email", w.text("header"), "Company", "Date", "Type"]
    seller = w.email("seller", "staff.example")
    out = io.StringIO()
    csv.writer(out).writerows([
        header,
        ["csv-1", seller, w.email("csv", "client.example"), w.text("cust-csv"),
         w.text("co-csv"), _recent(), "call"],
        ["csv-2", seller, "kim@client.example", "x" * 130, "", _recent(), "call"],
    ])
    token = csrf_from(boss.client.get("/admin/imports").text)
    response = boss.client.post("/admin/imports", data={
        "csrf_token": token, "map_customer_name": w.text("header"),
        # Browsers send a double quote in a file name as %22.
        "file": (io.BytesIO(out.getvalue().encode()),
                 w.text("file").replace('"', "%22") + ".csv")},
        content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 303, response.text
    run = _wait_for_import(session, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (run.rows_created, run.rows_rejected) == (1, 1), run.error
    w.texts["stored-filename"] = run.filename


def answer_and_share(w: World, session, smtp_server, ids: dict) -> None:
    """The customer answers with hostile text; the seller reflects and shares; notes."""
    [survey] = smtp_server.messages_to(w.email("ui", "client.example"))
    path = SURVEY_LINK.search(survey.message.get_body(("plain",)).get_content()).group(1)
    customer = Browser(w, "customer")
    customer.get(path)
    words = {"improve_comment": w.text("comment"), "promise_note": w.text("promise"),
             "product_comment": w.text("product-comment")}
    refused = customer.post(path, {**words, "helped": "9"})  # no "respected": shown again
    assert refused.status_code == 422
    answered = customer.post(path, {**words, "respected": "4", "helped": "5",
                                    "pressure": "no", "doubtful_promise": "yes",
                                    "product_contact_ok": "y", "reveal_identity": "y"})
    assert "/thanks" in answered.request.path
    customer.get(path)  # the answer again, editable: typed text back in its text areas
    customer.get(path + "/delete")
    for tag in ("api", "csv"):
        [mail] = smtp_server.messages_to(w.email(tag, "client.example"))
        other = SURVEY_LINK.search(mail.message.get_body(("plain",)).get_content()).group(1)
        customer.get(other.replace("/s/", "/u/"))
    # RFC 8058 one-click unsubscribe (no form token) for the CSV customer.
    w.saw("customer", customer.client.post(other.replace("/s/", "/u/")))

    response_id = session.scalars(select(Response.id)).one()
    seller = w.signed_in("seller")
    seller.post(f"/me/feedback/{response_id}/reflection", {"body": w.text("reflection")})
    seller.post("/me/sharing/new", {"coach": str(ids["manager"]), "scope": "answers",
                                    "answers": str(response_id),
                                    "include_reflections": "y"})
    share_id = session.scalars(select(Share.id)).one()
    seller.post(f"/me/sharing/{share_id}/answers/{response_id}/notes",
                {"body": w.text("seller-note")}, page=f"/me/sharing/{share_id}")
    manager = w.signed_in("manager")
    manager.post(f"/coaching/shares/{share_id}/answers/{response_id}/notes",
                 {"body": w.text("coach-note")}, page=f"/coaching/shares/{share_id}")
    ids.update(response=response_id, share=share_id)


def later_mail(w: World, session, settings) -> None:
    """The reminder (three days on, through a real worker pass) and the weekly digest."""
    later = datetime.now(UTC) + timedelta(days=3, hours=1)
    with w.app.app_context(), SmtpTransport() as transport:
        result = delivery.run_pass(session, transport, worker_id="xss", settings=settings,
                                   now=lambda: later)
    assert result.sent == 1  # the API customer; the CSV one unsubscribed, the UI one answered
    assert send_digests(w.app).sent == 1


#: (who, endpoint, field tags shown there). A page in this list must show each tagged text
#: escaped; every other page reached is still checked for anything that would run.
EXPECTED = [
    ("seller", "me.feedback", ["cust-ui", "co-ui", "comment", "promise", "reflection",
                               "seller-note", "coach-note", "seller"]),
    ("seller", "me.conversations", ["cust-ui", "co-ui", "cust-api", "co-api", "cust-csv",
                                    "co-csv"]),
    ("seller", "me.log_conversation", ["cust-ui", "co-ui"]),
    ("seller", "me.reflection", ["comment", "reflection"]),
    ("seller", "me.sharing", ["manager"]),
    ("seller", "me.share_detail", ["manager", "comment", "reflection", "seller-note",
                                   "coach-note"]),
    ("seller", "me.new_share", ["manager"]),
    ("manager", "coaching.inbox", ["seller"]),
    ("manager", "coaching.share", ["seller", "comment", "reflection", "seller-note",
                                   "coach-note"]),
    ("manager", "team.index", ["team"]),
    ("manager", "team.trends_page", ["team"]),
    ("product", "product.feed", ["product-comment", "promise", "cust-ui", "co-ui"]),
    ("admin", "admin.users", ["seller", "manager", "product"]),
    ("admin", "admin.person", ["seller", "manager", "product"]),
    ("admin", "admin.teams", ["team", "manager"]),
    ("admin", "admin.team", ["team", "seller", "manager"]),
    ("admin", "admin.rename_team", ["team-too-long"]),
    ("admin", "admin.api_keys", ["key"]),
    ("admin", "admin.audit", ["admin"]),
    ("admin", "admin.imports", ["stored-filename"]),
    ("admin", "admin.import_run", ["stored-filename", "header"]),
    ("admin", "admin.suppressions", ["search", "suppress"]),
    ("customer", "survey.answer", ["comment", "promise", "product-comment", "org"]),
    ("customer", "survey.unsubscribe", ["org"]),
    ("visitor", "survey.about", ["org"]),
    ("visitor", "auth.login", ["next", "login"]),
]
#: GET endpoints that are not pages: JSON, files, and bare redirects to a page.
NOT_PAGES = ("api.", "health.", "static", "admin.index", "me.index")
#: (who, endpoint, email tags shown there).
EXPECTED_EMAILS = [
    ("product", "product.feed", ["ui"]),
    ("admin", "admin.users", ["seller", "manager", "product"]),
    ("admin", "admin.suppressions", ["csv"]),
    ("newcomer", "auth.set_password", ["seller", "manager", "product"]),
]
#: (who, endpoint, field tags whose first word is shown there, as in "Hi Ana").
EXPECTED_FIRST_NAMES = [
    ("customer", "survey.answer", ["seller"]),
    ("customer", "survey.thanks", ["seller"]),
    ("customer", "survey.delete_answer", ["seller"]),
    ("newcomer", "auth.set_password", ["seller", "manager", "product"]),
]


#: Payloads typed together into each field, so that nine payloads need five organisations
#: (building one is most of the time). The first of each pair starts the text, where a
#: formula or a javascript: URL would take effect.
TOGETHER = [("csv-formula", "script"), ("javascript-url", "attribute-break"),
            ("img-onerror", "rtl-override"), ("textarea-break", "template"), ("svg-onload",)]


def test_every_payload_is_typed_somewhere():
    """A payload added to payloads.py is not silently left out of the organisations."""
    assert sorted(n for names in TOGETHER for n in names) == sorted(PAYLOADS)


@pytest.mark.parametrize("names", TOGETHER, ids="+".join)
def test_hostile_text_is_harmless_everywhere(names, app, session, smtp_server, monkeypatch):
    """One organisation per group of payloads (the three checks share it): pages, emails,
    exports."""
    w = World(app, " ".join(PAYLOADS[n] for n in names), [PAYLOADS[n] for n in names])
    monkeypatch.setitem(app.config, "ORG_NAME", w.text("org"))
    ids = build(w, session, smtp_server)
    answer_and_share(w, session, smtp_server, ids)
    later_mail(w, session, app_settings.from_config(app.config))
    check_pages(w)
    check_emails(w, smtp_server)
    check_exports(w, session, ids)


def check_pages(w: World) -> None:
    """Every page each role reaches from its navigation contains nothing that would run,
    and each page that shows a typed text shows it escaped."""
    for who in ("admin", "seller", "manager", "product"):
        opened = crawl(w.signed_in(who), ["/"])
        assert len(opened) >= 3, f"{who} reached almost nothing: {opened}"
    # Pages no link leads to but a person can ask for: reflected query text.
    visitor = Browser(w, "visitor")
    visitor.get("/login?next=" + quote(w.text("next"), safe=""))
    visitor.post("/login", {"email": w.text("login"), "password": "not the password"})
    visitor.get("/about-answers")

    # A new page no link leads to, and that nobody above visits, fails here.
    pages = {rule.endpoint for rule in w.app.url_map.iter_rules() if "GET" in rule.methods}
    unseen = {e for e in pages - w.answered if not e.startswith(NOT_PAGES)}
    assert not unseen, f"pages this test never opened: {sorted(unseen)}"

    for who, endpoint, tags in EXPECTED:
        bodies = w.pages.get((who, endpoint))
        assert bodies, f"{who} never reached {endpoint}"
        for tag in tags:
            assert any(escaped(w.texts[tag]) in body for body in bodies), \
                f"{who} {endpoint}: {w.texts[tag]!r} not shown escaped"
    for who, endpoint, tags in EXPECTED_EMAILS:
        for tag in tags:
            assert any(escaped(w.emails[tag]) in body for body in w.pages[(who, endpoint)]), \
                f"{who} {endpoint}: {w.emails[tag]!r} not shown escaped"
    for who, endpoint, tags in EXPECTED_FIRST_NAMES:
        for tag in tags:
            word = escaped(first_word(w.texts[tag]))
            assert any(word in body for body in w.pages[(who, endpoint)]), \
                f"{who} {endpoint}: first name of {w.texts[tag]!r} not shown escaped"


def check_emails(w: World, smtp_server) -> None:
    """HTML parts: nothing runs and names show escaped. Plain-text parts: as typed, never
    HTML-escaped. Headers: a name cannot change who a message is from or to."""
    seller_name, org = w.texts["seller"], w.texts["org"]
    surveys = _mails(smtp_server, r"^<survey\.")
    reminders = _mails(smtp_server, r"^<reminder\.")
    assert len(surveys) == 3 and len(reminders) == 1
    for received in surveys + reminders:
        mail = received.message
        customer = {w.emails[t]: w.texts[f"cust-{t}"] for t in ("ui", "api", "csv")}[
            received.recipients[0]]
        html = mail.get_body(("html",)).get_content()
        text = mail.get_body(("plain",)).get_content()
        where = f"mail {received.message_id}"
        assert_inert(html, w.planted, where)
        for shown in (first_word(customer), seller_name, org):
            assert_shows_escaped(html, shown, where)
            assert shown in text, f"{where}: {shown!r} not in the text part as typed"
        [sender] = mail["From"].addresses
        # The name stays a name: nothing in it reads as address syntax. (Python's folding
        # of a long non-ASCII name can garble a character, so it is not compared whole.)
        assert not set(sender.display_name) & set('"(),:;<>@[\\]'), sender.display_name
        assert "#seller" in sender.display_name and "#org" in sender.display_name
        assert mail["Reply-To"].addresses[0].addr_spec == w.emails["seller"]
        assert first_word(seller_name) in mail["Subject"]

    for received in smtp_server.received:
        # However a name is folded, it cannot change who a message is from.
        [sender] = received.message["From"].addresses
        assert sender.addr_spec == "feedback@localhost", received.message["From"]

    [digest] = _mails(smtp_server, r"^<digest\.")
    html = digest.message.get_body(("html",)).get_content()
    assert_inert(html, w.planted, "digest")
    assert_shows_escaped(html, w.texts["comment"], "digest")
    assert w.texts["comment"] in digest.message.get_body(("plain",)).get_content()

    links = _mails(smtp_server, r"^<account-link\.")
    assert len(links) == 5  # three invitations, a new link from the admin, a forgotten one
    for received in links:
        text = received.message.get_body(("plain",)).get_content()
        who = next(t for t in ("seller", "manager", "product")
                   if w.emails[t] == received.recipients[0])
        assert f"Hello {first_word(w.texts[who])}," in text
        assert org in text


def check_exports(w: World, session, ids: dict) -> None:
    """CSV exports: every cell inert in a spreadsheet, each text as typed behind the quote
    that neutralises a formula. JSON: exactly as typed, served as JSON."""
    seller = w.signed_in("seller")
    mine = seller.post("/me/export.csv", {}, page="/me/settings")
    assert mine.mimetype == "text/csv"
    [header, row] = csv_cells(mine.text)
    cells = dict(zip(header, row, strict=True))
    for column, tag in (("customer", "cust-ui"), ("company", "co-ui"),
                        ("promise_note", "promise"), ("what_to_do_better", "comment"),
                        ("my_reflection", "reflection")):
        assert cells[column] == as_a_spreadsheet_keeps_it(w.texts[tag]), column

    as_json = seller.post("/me/export.json", {}, page="/me/settings")
    assert as_json.mimetype == "application/json"
    assert as_json.headers["X-Content-Type-Options"] == "nosniff"
    assert as_json.headers["Content-Disposition"].startswith("attachment")
    [answer] = json.loads(as_json.text)["answers"]
    assert (answer["customer"], answer["what_to_do_better"], answer["my_reflection"]) == (
        w.texts["cust-ui"], w.texts["comment"], w.texts["reflection"])

    manager = w.signed_in("manager")
    team = manager.post(f"/team/{ids['team']}/export.csv", {}, page=f"/team/{ids['team']}")
    assert {row[0] for row in csv_cells(team.text)[1:]} == {
        as_a_spreadsheet_keeps_it(w.texts["team"])}

    admin = w.signed_in("admin")
    run_id = session.scalars(select(ImportRun.id)).one()
    report = admin.get(f"/admin/imports/{run_id}/rejections.csv")
    [_, (row_number, column, _)] = csv_cells(report.text)
    # The report keeps the first 64 characters of a column's name.
    assert (row_number, column) == ("3", as_a_spreadsheet_keeps_it(w.texts["header"][:64]))
