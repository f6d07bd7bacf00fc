"""The product feed: what customers wrote for the product team, and doubted promises.

Never a salesperson's name, a score or a team; the customer's contact only where
they said the product team may contact them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Pressure, Role
from feedback.product import feed as product_feed
from feedback.survey import answers, tokens


@pytest.fixture
def answer(session, settings, survey_link):
    """answer(seller, submitted_at=..., **answers) -> records one answer through the service."""

    def record(seller, *, name="Casey Customer", email=None, company="Client Co",
               submitted_at=None, **choices):
        _, raw = survey_link(seller, name=name, email=email, company=company)
        invitation = tokens.find_invitation(session, raw)
        values = {"respected": 2, "helped": 3, "pressure": Pressure.A_LITTLE,
                  "doubtful_promise": False, **choices}
        response = answers.record(session, invitation, answers.Answers(**values), settings,
                                  now=submitted_at)
        session.commit()
        return response

    return record


@pytest.fixture
def seller(make_user, make_team):
    return make_user(name="Zebulon Quartermaine", team=make_team("Team Narwhal"))


def test_product_colleague_sees_comments_newest_first_with_contact_only_if_allowed(
        client, auth, make_user, answer, seller):
    now = datetime.now(UTC)
    answer(seller, name="Olga Old", email="olga@client.example", submitted_at=now - timedelta(
        hours=2), product_comment="Export to CSV please", product_contact_ok=True)
    answer(seller, name="Nina New", email="nina@client.example", submitted_at=now,
           product_comment="Dark mode would be lovely", product_contact_ok=False)
    answer(seller, name="Paul Promise", submitted_at=now - timedelta(hours=1),
           doubtful_promise=True, promise_note="Was told it syncs with SAP")
    answer(seller, name="Silent Sam", improve_comment="Talk less")  # nothing for product

    auth.login(make_user(Role.PRODUCT))
    page = client.get("/product/")
    assert page.status_code == 200
    text = page.text
    assert text.index("Dark mode") < text.index("SAP") < text.index("Export to CSV")
    assert "olga@client.example" in text and "Olga Old" in text
    assert "nina@client.example" not in text and "Nina New" not in text
    assert "Paul Promise" not in text and "Was told it syncs with SAP" in text
    assert "Talk less" not in text and "Silent Sam" not in text


def test_no_salesperson_team_or_score_ever_appears(client, auth, make_user, answer, seller):
    answer(seller, respected=1, helped=5, product_comment="More integrations",
           product_contact_ok=True, improve_comment="private to the salesperson")
    auth.login(make_user(Role.PRODUCT))
    text = client.get("/product/").text
    assert "More integrations" in text
    for leak in ("Zebulon", "Quartermaine", "Team Narwhal", seller.email,
                 "private to the salesperson", "Respected", "Helped", "Pressure"):
        assert leak not in text, leak


def test_the_service_returns_no_person_fields(session, answer, seller):
    answer(seller, product_comment="Faster search", product_contact_ok=True)
    [item] = product_feed.feed(session).items
    fields = set(item.__dataclass_fields__)
    assert fields == {"id", "week_start", "product_comment", "doubtful_promise", "promise_note",
                      "contact"}
    assert item.contact.name == "Casey Customer"


def test_pages_and_empty_feed(client, auth, make_user, session, answer, seller):
    auth.login(make_user(Role.PRODUCT))
    assert "Nothing for the product team yet" in client.get("/product/").text
    for n in range(3):
        answer(seller, product_comment=f"idea {n}")
    page = product_feed.feed(session, page=1, page_size=2)
    assert len(page.items) == 2 and page.has_next
    assert not product_feed.feed(session, page=2, page_size=2).has_next
    assert client.get("/product/?page=999999999999").status_code == 200
