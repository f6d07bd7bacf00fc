"""The manager's pages and CSV: their own teams only, team totals only, never a person."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Role
from feedback.team import export as team_export
from tests.conftest import csrf_from
from tests.team.helpers import answered, at, manage

#: Strings that would each name a person or quote a customer, if they ever leaked.
SELLERS = ("Zebedee Quillfeather", "Yolanda Marchbanks", "Xavier Thistlewood")
SECRETS = ("purple-elephant-remark", "a-promise-about-moonbeams", "product-idea-kumquat",
           "Customer Ottoline Vexley", "Bramblecorp Holdings")


@pytest.fixture
def last_month():
    """A Monday whose whole week lies in last month, and that month's first day."""
    month = (datetime.now(UTC).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    monday = month + timedelta(days=(7 - month.weekday()) % 7)
    return monday, month


@pytest.fixture
def org(session, settings, make_team, make_user, last_month):
    """Team North, managed by our manager: in three weeks of last month, 6 answers
    about 3 people (half "respected"), then 2, then 7 (all "respected"). Team South,
    with enough answers too, is not our manager's."""
    monday, _ = last_month
    north, south = make_team("North"), make_team("South")
    sellers = [make_user(team=north, name=name) for name in SELLERS]
    for i in range(6):
        answered(session, settings, sellers[i % 3], at(monday + timedelta(days=1), 9 + i),
                 respected=5 if i < 3 else 2, comment=SECRETS[0], doubtful=True,
                 note=SECRETS[1], customer_name=SECRETS[3], company=SECRETS[4])
    for i in range(2):
        answered(session, settings, sellers[i], at(monday + timedelta(days=8), 10),
                 comment=SECRETS[2])
    for i in range(7):
        answered(session, settings, sellers[i % 3], at(monday + timedelta(days=15), 9 + i))
    others = [make_user(team=south) for _ in range(3)]
    for i in range(6):
        answered(session, settings, others[i % 3], at(monday + timedelta(days=1), 9 + i))
    manager = make_user(Role.MANAGER)
    manage(session, manager, north)
    return {"north": north, "south": south, "manager": manager, "sellers": sellers}


def _assert_says_nothing_about_people(text: str) -> None:
    for secret in (*SELLERS, *SECRETS, *(name.split()[0] for name in SELLERS)):
        assert secret not in text
    assert "@" not in text.replace("feedback@localhost", "")


def test_the_manager_sees_their_teams_and_nothing_personal(client, auth, org, last_month):
    monday, month = last_month
    auth.login(org["manager"])
    index = client.get("/team/")
    assert index.status_code == 200
    assert "North" in index.text and "South" not in index.text
    assert 'href="/team/"' in index.text  # the "Team trends" nav link

    by_month = client.get(f"/team/{org['north'].id}")
    by_week = client.get(f"/team/{org['north'].id}?by=week")
    for page in (index, by_month, by_week):
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        _assert_says_nothing_about_people(page.text)

    # Four charts, drawn on the server; a hidden week is a gap with no count in it.
    assert by_week.text.count('<svg class="chart"') == 4
    assert "not enough yet" in by_week.text
    assert "at least 5 answers about at least 3 salespeople" in by_week.text

    month_row = _row(by_month.text, f"{month:%B %Y}")
    assert "<td>15</td>" in month_row and "<td>80%</td>" in month_row  # 12 of 15 respected
    weeks = [_row(by_week.text, f"Week of {monday + timedelta(weeks=i):%-d %B %Y}")
             for i in range(3)]
    # The week of 2 answers is hidden, and so is the week of 6: otherwise the month
    # minus the two shown weeks would give the small one away.
    assert "not enough responses yet" in weeks[1] and "<td>2</td>" not in weeks[1]
    assert "not enough responses yet" in weeks[0] and "<td>6</td>" not in weeks[0]
    assert "<td>7</td>" in weeks[2] and "<td>100%</td>" in weeks[2]


def _row(html: str, label: str) -> str:
    match = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(label) + r".*?</tr>", html,
                      re.S)
    assert match, f"no row for {label}"
    return match.group(0)


def test_another_team_is_not_found(client, auth, org):
    auth.login(org["manager"])
    assert client.get(f"/team/{org['south'].id}").status_code == 404
    assert client.get(f"/team/{org['south'].id}?by=week").status_code == 404
    page = client.get(f"/team/{org['north'].id}")
    export = client.post(f"/team/{org['south'].id}/export.csv",
                         data={"csrf_token": csrf_from(page.text)})
    assert export.status_code == 404


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.ADMIN, Role.PRODUCT])
def test_only_managers_open_team_trends(client, auth, org, make_user, role):
    auth.login(org["sellers"][0] if role is Role.SALESPERSON else make_user(role))
    assert client.get("/team/").status_code == 403
    assert client.get(f"/team/{org['north'].id}").status_code == 403


def test_the_export_is_the_page_as_csv_and_is_audited(client, auth, session, org, last_month):
    monday, month = last_month
    north = org["north"]
    north.name = "=HYPERLINK(\"http://evil.example\")"
    session.commit()
    auth.login(org["manager"])
    page = client.get(f"/team/{north.id}")
    response = client.post(f"/team/{north.id}/export.csv",
                           data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    _assert_says_nothing_about_people(response.text)

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == team_export.COLUMNS
    assert all(row["team"] == "'" + north.name for row in rows)
    by_key = {(row["period"], row["first_day"]): row for row in rows}
    assert by_key[("month", month.isoformat())]["answers"] == "15"
    assert by_key[("week", (monday + timedelta(days=14)).isoformat())][
        "felt_respected_percent"] == "100"
    for hidden in (monday, monday + timedelta(days=7)):
        row = by_key[("week", hidden.isoformat())]
        assert row["status"] == "not enough responses yet"
        assert [row[c] for c in team_export.COLUMNS[6:]] == [""] * 7

    [event] = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export.team_trends")).all()
    assert (event.actor_id, event.subject_id) == (org["manager"].id, north.id)
    assert event.details["cells"] == len(rows)


def test_the_export_needs_a_csrf_token(client, auth, org, session):
    auth.login(org["manager"])
    assert client.post(f"/team/{org['north'].id}/export.csv").status_code == 400
    assert session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export.team_trends")).first() is None


def test_a_manager_without_teams_is_told_so(client, auth, make_user):
    auth.login(make_user(Role.MANAGER))
    page = client.get("/team/")
    assert page.status_code == 200 and "don't manage a team yet" in page.text
