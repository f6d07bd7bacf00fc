"""The strict Content-Security-Policy, as Chromium enforces it: the pages work and the
browser reports no violation, while an injected inline script is refused."""

from __future__ import annotations

import contextlib

from tests.conftest import PASSWORD


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_no_page_violates_the_policy(page_factory, make_user, survey_link, log_conversation):
    seller = make_user(name="Ana Lopez")
    _, token = survey_link(seller)
    customer = page_factory()
    problems = _watch(customer)
    customer.goto(f"/s/{token}")
    customer.get_by_role("button", name="Send my answers").wait_for()

    staff = page_factory(mobile=False)
    problems += _watch(staff)
    staff.goto("/login")
    staff.get_by_label("Email").fill(seller.email)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.wait_for_url("**/me/feedback")
    for path in ("/me/trends", "/me/conversations", "/me/conversations/new", "/account"):
        staff.goto(path)
        assert staff.locator("h1").count() >= 1
    assert problems == []


def test_an_injected_inline_script_is_refused(page_factory):
    page = page_factory()
    problems = _watch(page)
    page.goto("/login")
    from playwright.sync_api import Error

    with contextlib.suppress(Error):  # Playwright may report the refused script as an error
        page.add_script_tag(content="window.injected = 'ran';")
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in text for text in problems), problems
