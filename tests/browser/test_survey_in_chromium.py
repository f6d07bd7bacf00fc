"""The customer's one page, in a real browser: works without JavaScript, on a phone,
with labels for every control, and loads nothing from anywhere else."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from feedback.models import Response

UNLABELLED = """() => [...document.querySelectorAll('input, textarea, select')]
  .filter(el => el.type !== 'hidden' && el.labels.length === 0).map(el => el.name)"""
RADIOS_OUTSIDE_FIELDSETS = """() => [...document.querySelectorAll('input[type=radio]')]
  .filter(el => !el.closest('fieldset') || !el.closest('fieldset').querySelector('legend'))
  .map(el => el.name)"""


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_customer_answers_on_a_phone(page_factory, live_url, session, make_user, survey_link,
                                     javascript, tmp_path):
    seller = make_user(name="Ana Lopez")
    _, token = survey_link(seller)
    page = page_factory(javascript=javascript)
    page.goto(f"/s/{token}?respected=4")

    assert page.locator("h1").inner_text() == "How was your conversation with Ana?"
    assert page.locator("input[name=respected][value='4']").is_checked()
    if javascript:
        assert page.evaluate(UNLABELLED) == []
        assert page.evaluate(RADIOS_OUTSIDE_FIELDSETS) == []
        # Fits a phone: nothing wider than the viewport.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_label("5 – Completely").nth(1).check()  # "helped"
    page.get_by_label("A little").check()
    page.locator("input[name=doubtful_promise][value='no']").check()
    page.get_by_label("What could Ana do better? (optional)").fill("Slow down a little.")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    page.get_by_role("button", name="Send my answers").click()

    page.wait_for_url("**/thanks")
    assert "Thank you." in page.locator("h1").inner_text()
    assert all(url.startswith(live_url) for url in page.requested), page.requested
    session.expire_all()
    response = session.scalars(select(Response)).one()
    assert (response.respected, response.helped, response.improve_comment) == (
        4, 5, "Slow down a little.")
    assert response.reveal_identity is False


def test_keyboard_alone_can_answer(page_factory, session, make_user, survey_link):
    _, token = survey_link(make_user(name="Ana Lopez"))
    page = page_factory()
    page.goto(f"/s/{token}")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.name, document.activeElement.type]")
    assert focused == ["respected", "radio"]
    page.keyboard.press("ArrowRight")  # moves to and selects 2
    assert page.locator("input[name=respected][value='2']").is_checked()
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline != "none"  # the focused choice shows where the keyboard is


def test_a_salesperson_logs_a_conversation_in_the_browser(page_factory, session, make_user):
    from tests.conftest import PASSWORD

    seller = make_user(name="Ana Lopez")
    page = page_factory(mobile=False)
    page.goto("/me/conversations/new")
    page.wait_for_url("**/login**")
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me/conversations/new")
    page.get_by_label("Customer name").fill("Rosa Díaz")
    page.get_by_label("Customer email").fill("rosa@client.example")
    page.get_by_label("Company").fill("Brightline")
    page.get_by_label("Kind").select_option("demo")
    page.get_by_role("button", name="Log conversation").click()
    page.wait_for_url("**/me/conversations")
    assert "Rosa Díaz" in page.locator("table").inner_text()
    assert "scheduled for" in page.locator("table").inner_text()
