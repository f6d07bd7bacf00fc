"""The admin upload page: dry run first, progress while it runs, a report, then for real."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import AuditEvent, Engagement, ImportRun, Role
from tests.conftest import csrf_from
from tests.integrations.imports import pages
from tests.integrations.imports.conftest import csv_bytes, recent


@pytest.fixture
def admin(make_user, auth):
    user = make_user(Role.ADMIN)
    auth.login(user)
    return user


def _upload(client, data: bytes, *, dry_run: bool = True, **mapping):
    return pages.upload(client, data, filename="crm export.csv", dry_run=dry_run, **mapping)


def _finished(client, location: str) -> str:
    return pages.finished_page(client, location)


def test_dry_run_then_import_for_real(client, admin, session, seller):
    data = csv_bytes([
        ["p1", seller.email, "kim@client.example", "Kim", "", recent(), "call"],
        ["p2", seller.email, "=cmd|' /C calc'!A0", "Evil", "", recent(), "call"],
    ])
    response = _upload(client, data)
    assert response.status_code == 303
    page = _finished(client, response.headers["Location"])
    assert "Dry run of crm export.csv" in page
    assert "Import this file for real" in page
    assert session.scalar(select(func.count(Engagement.id))) == 0

    download = client.get(response.headers["Location"] + "/rejections.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.text.splitlines() == [
        "row,column,reason", "3,Email,That email address does not look right."]
    assert "kim@client.example" not in download.text

    dry_run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    confirm = client.post(f"/admin/imports/{dry_run_id}/confirm",
                          data={"csrf_token": csrf_from(page)})
    assert confirm.status_code == 303
    real = _finished(client, confirm.headers["Location"])
    assert "Import of crm export.csv" in real
    session.expire_all()
    assert session.scalar(select(func.count(Engagement.id))) == 1
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert [(r.dry_run, r.rows_created, r.rows_rejected) for r in runs] == [
        (True, 1, 1), (False, 1, 1)]
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("import.%"))).all()
    assert sorted(actions) == ["import.create", "import.create", "import.rejections_download"]
    # The file is gone once imported; confirming again is not possible.
    again = client.post(f"/admin/imports/{dry_run_id}/confirm",
                        data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "no longer kept" in again.text


def test_a_file_without_the_needed_columns_is_refused_on_the_form(client, admin):
    response = _upload(client, b"Name,Phone\nKim,123\n")
    assert response.status_code == 422
    assert "No column found for" in response.text
    response = _upload(client, b"\xff\xfe garbage \x00\x00")
    assert response.status_code == 422


def test_columns_can_be_chosen_by_hand(client, admin, session, seller):
    data = csv_bytes([["x", seller.email, "kim@client.example", recent()]],
                     header=["Ref", "Rep", "Address", "Moment"])
    response = _upload(client, data, dry_run=False, salesperson_email="Rep",
                       customer_email="Address", occurred_at="Moment", external_id="Ref")
    assert response.status_code == 303
    assert "Added" in _finished(client, response.headers["Location"])
    session.expire_all()
    assert session.scalar(select(Engagement.external_id)) == "x"


def test_uploads_larger_than_other_requests_are_accepted(app, client, admin, seller):
    # MAX_CONTENT_LENGTH (2 MiB) guards other forms; imports have their own limit.
    rows = [[f"big{i}", seller.email, f"c{i}@client.example", "C" * 60, "Client Co " * 5,
             recent(), "call"] for i in range(20_000)]
    data = csv_bytes(rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = _upload(client, data)
    assert response.status_code == 303
    assert "20000" in _finished(client, response.headers["Location"]).replace(",", "")
