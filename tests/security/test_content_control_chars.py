"""A control character typed into any text box is refused or kept, never a server error.

PostgreSQL refuses NUL in text, so a form that passes one through to the database answers
500 there (SQLite stores it). The forms are found, not listed: every role's pages are
walked from its navigation, and every form on them with a box to type in is submitted
with NUL (then ESC and DEL) in each of those boxes and something valid in the others (so
the bad character is what reaches the database). A new form is covered the day it appears.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from feedback.models import Role
from tests.conftest import PASSWORD, Auth
from tests.survey.rights.fixtures import answered  # noqa: F401

BASE = "https://feedback.test"
#: Typed boxes; everything else keeps the value the page gave it.
TYPED = {"text", "email", "search", "password", "textarea", "url", "tel"}
#: Forms that are not for typing into: file uploads (tests/security/test_content_csv_fuzz.py).
SKIPPED_ACTIONS = ("/admin/imports",)
BAD = ("a\x00b", "a\x1bb", "a\x7fb")  # NUL, ESC, DEL


class _Page(HTMLParser):
    """The links and forms of a page: each form as (method, action, [(name, type, value)])."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str, list[tuple[str, str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action") or "",
                               []))
        elif not self.forms:
            return
        elif tag in ("input", "select", "textarea") and attrs.get("name"):
            kind = attrs.get("type", "text") if tag == "input" else tag
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.forms[-1][2].append((attrs["name"], kind, attrs.get("value") or ""))
        elif tag == "option":
            fields = self.forms[-1][2]
            # A select without a value yet takes its first option, as a browser does.
            if fields and fields[-1][1] == "select" and not fields[-1][2]:
                fields[-1] = (fields[-1][0], "select", attrs.get("value") or "")


def _forms_of(client, start: str) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """Every form on the pages reachable by links from `start` (one per action and method)."""
    seen, queue, forms = set(), [start], {}
    while queue:
        parts = urlsplit(urljoin(BASE + "/", queue.pop(0)))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc != "feedback.test" or path in seen or path.startswith("/logout"):
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        page = _Page()
        page.feed(response.text)
        queue += page.links
        for method, action, fields in page.forms:
            forms.setdefault((method, action or path), (method, action or path, fields))
    return list(forms.values())


_unique = itertools.count()


def _plausible(name: str, kind: str, value: str) -> str:
    """The page's value, or a valid one for an empty box, so validation lets the form through."""
    if value:
        return value
    if kind == "password":
        return PASSWORD
    if kind == "email" or "email" in name:
        return f"filler.{next(_unique)}@client.example"
    if kind == "datetime-local":
        return (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    if kind == "date":
        return datetime.now(UTC).date().isoformat()
    return "Filler words" if kind in TYPED else value


@pytest.fixture
def people(app, make_user, answered):  # noqa: F811
    """Browsers for each role, with an answer shared and noted so coaching forms exist."""
    seller, manager = make_user(), make_user(Role.MANAGER)
    answered(seller, coach=manager)
    browsers = {}
    for who, user in (("admin", make_user(Role.ADMIN)), ("seller", seller),
                      ("manager", manager)):
        client = app.test_client()
        assert Auth(client).login(user).status_code == 302
        browsers[who] = client
    browsers["visitor"] = app.test_client()
    return browsers


def test_no_form_answers_a_control_character_with_a_server_error(people):
    """Every typed box of every form each role can reach, with NUL, ESC or DEL in it:
    2xx, 3xx or 4xx, never 5xx."""
    failures, tried = [], 0
    for who, client in people.items():
        forms = _forms_of(client, "/login" if who == "visitor" else "/")
        for (method, action, fields), bad in itertools.product(forms, BAD):
            if action.startswith(SKIPPED_ACTIONS):
                continue
            for target in [name for name, kind, _ in fields if kind in TYPED]:
                data = {name: bad if name == target else _plausible(name, kind, value)
                        for name, kind, value in fields}
                response = (client.post(action, data=data) if method == "post"
                            else client.get(f"{action}?{urlencode(data)}"))
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"{who} {method.upper()} {action} {target} {bad!r}")
    assert tried >= 45, f"only {tried} tries: the walk is not reaching the forms"
    assert not failures, f"server errors: {failures}"
