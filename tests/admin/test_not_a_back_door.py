"""Admins run the system; they do not read feedback (DESIGN.md).

Every admin page, found from the URL map so a new page is checked too, is opened
while answers with distinctive comments, reflections and coaching notes exist; none
of those words, nor who answered, may appear. Pages of the people who do read
feedback are closed to admins.
"""

from __future__ import annotations

import sys

import pytest

from feedback.models import CoachingNote, Reflection, Response, ResponseRollup, Role
from tests.access_rules.admin import MISSING

#: Extra query strings worth trying on list pages (filters, other periods, other pages).
VARIANTS = ["", "?days=365", "?page=2", "?action=", "?q=client.example", "?reason=manual"]


def _admin_get_urls(app, ids: dict[str, int]) -> list[str]:
    urls = []
    adapter = app.url_map.bind("feedback.test")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in rule.methods:
            continue
        values = {arg: ids.get(arg, MISSING) for arg in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        urls.extend(path + variant for variant in VARIANTS)
    return urls


@pytest.fixture
def feedback_everywhere(make_user, make_team, session, answered, settings):
    """A team with a manager, a seller with answers (named and anonymous), shares and notes."""
    team = make_team("Backdoor Team")
    session.commit()
    manager = make_user(Role.MANAGER, name="Mona Manager")
    seller = make_user(team=team, name="Seth Seller")
    written = [answered(seller, coach=manager, name="Quilla Zyxwvut") for _ in range(3)]
    return {"team": team, "manager": manager, "seller": seller, "answers": written}


def test_no_admin_page_shows_answers_comments_or_who_answered(
        app, client, admin, feedback_everywhere, browser):
    data = feedback_everywhere
    # The control: these words are on a page, for the one person they belong to.
    own, own_auth = browser()
    own_auth.login(data["seller"])
    mine = own.get("/me/feedback").text
    assert all(a.words["improve_comment"] in mine for a in data["answers"])
    forbidden = [s for a in data["answers"] for s in a.strings]
    forbidden += [a.customer_email for a in data["answers"]]
    forbidden += ["Quilla Zyxwvut", "Zyxwvut"]
    urls = _admin_get_urls(app, {"user_id": data["seller"].id, "team_id": data["team"].id})
    assert any("/admin/users/" in url for url in urls)
    opened = 0
    for url in urls:
        page = client.get(url)
        assert page.status_code in (200, 302, 404), url
        for needle in forbidden:
            assert needle not in page.text, f"{url} shows {needle!r}"
        opened += page.status_code == 200
    assert opened >= len(urls) // 2  # the check ran on real pages, not on error pages


def test_admin_modules_never_touch_feedback_tables(app):
    """A tripwire: the admin modules the app runs import no model of what customers wrote."""
    feedback_models = {Response, Reflection, CoachingNote, ResponseRollup}
    loaded = {name: module for name, module in sys.modules.items()
              if name.startswith("feedback.admin.")}
    assert "feedback.admin.people_views" in loaded
    for name, module in loaded.items():
        touched = feedback_models & {v for v in vars(module).values() if isinstance(v, type)}
        assert not touched, f"{name} imports {touched}"
        assert "privacy" not in vars(module), f"{name} reads feedback"


def _blueprint_get_urls(app, blueprints: set[str]) -> list[str]:
    adapter = app.url_map.bind("feedback.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in blueprints and "GET" in rule.methods:
            values = {}
            for arg in rule.arguments:
                converter = rule._converters[arg]
                values[arg] = MISSING if type(converter).__name__ == "IntegerConverter" else "x"
            urls.append(adapter.build(rule.endpoint, values))
    return urls


def test_admins_are_refused_every_feedback_page(app, client, admin, feedback_everywhere):
    urls = _blueprint_get_urls(app, {"me", "team", "coaching", "product"})
    assert {"/me/feedback", "/team/", "/coaching/", "/product/"} <= set(urls)
    for url in urls:
        assert client.get(url).status_code == 403, url
