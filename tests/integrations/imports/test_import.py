"""The import: complete rows or rejected rows, idempotent re-import, honest dry runs."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.models import (
    Engagement,
    EngagementSource,
    ImportRejection,
    ImportStatus,
    Invitation,
    SuppressionReason,
)
from feedback.survey import do_not_survey as suppressions
from tests.integrations.imports.conftest import csv_bytes, recent


def _engagements(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Engagement.id)))


def _rejections(session, run) -> list[tuple]:
    return [(r.row_number, r.column, r.reason) for r in session.scalars(
        select(ImportRejection).where(ImportRejection.run_id == run.id)
        .order_by(ImportRejection.row_number, ImportRejection.id))]


def test_import_creates_engagements_through_the_scheduler(session, run_import, seller):
    suppressions.suppress(session, "gone@client.example", SuppressionReason.UNSUBSCRIBED)
    session.commit()
    data = csv_bytes([
        ["a1", seller.email, "kim@client.example", "Kim", "Client Co", recent(), "demo"],
        ["a2", seller.email.upper(), "gone@client.example", "Gone", "", recent(), "call"],
        ["a3", seller.email, "old@client.example", "Old", "", "2020-01-01 10:00", ""],
    ])
    run = run_import(data)
    assert run.status is ImportStatus.DONE
    assert (run.rows_total, run.rows_created, run.rows_scheduled, run.rows_rejected) == (3, 3, 1, 0)
    assert run.skip_reasons == {"unsubscribed": 1, "too_old": 1}
    engagements = session.scalars(select(Engagement).order_by(Engagement.external_id)).all()
    assert [e.source for e in engagements] == [EngagementSource.CSV] * 3
    assert engagements[0].kind.value == "demo" and engagements[2].kind.value == "other"
    assert session.scalar(select(func.count(Invitation.id))) == 3


def test_re_import_is_idempotent_and_changed_rows_are_rejected(session, run_import, seller):
    rows = [["b1", seller.email, "kim@client.example", "Kim", "", recent(), "call"],
            ["b2", seller.email, "lee@client.example", "Lee", "", recent(), "call"]]
    run_import(csv_bytes(rows))
    again = run_import(csv_bytes(rows + [
        ["b2", seller.email, "lee@client.example", "Lee", "", recent(), "demo"]]))
    assert (again.rows_created, again.rows_unchanged, again.rows_rejected) == (0, 2, 1)
    assert _rejections(session, again) == [
        (4, "CRM ID", "already names a different conversation (differs in kind)")]
    assert _engagements(session) == 2


def test_rows_without_an_id_get_a_stable_one(session, run_import, seller):
    header = ["Salesperson", "Email", "Date"]
    data = csv_bytes([[seller.email, "kim@client.example", "2026-11-20 10:00"]], header)
    assert run_import(data).rows_created == 1
    assert run_import(data).rows_unchanged == 1
    assert session.scalar(select(Engagement.external_id)).startswith("csv:")


def test_dry_run_reports_and_stores_nothing(session, run_import, seller):
    data = csv_bytes([
        ["c1", seller.email, "kim@client.example", "Kim", "", recent(), "call"],
        ["c2", seller.email, "kim@client.example", "Kim", "", recent(2), "call"],
        ["c3", "nobody@staff.example", "x@client.example", "X", "", recent(), "call"],
    ])
    run = run_import(data, dry_run=True)
    assert (run.rows_created, run.rows_scheduled, run.rows_rejected) == (2, 1, 1)
    assert run.skip_reasons == {"duplicate": 1}  # the same customer twice that day: once
    assert _engagements(session) == 0
    assert run_import(data).rows_created == 2  # and the real import agrees


def test_bad_rows_are_rejected_whole_with_row_column_and_reason(session, run_import, seller):
    data = csv_bytes([
        ["d1", seller.email, "not-an-email", "X", "", recent(), "call"],
        ["d2", seller.email, "ok@client.example", "X", "", "31/12/2026", "party"],
        ["d3", seller.email, "ok2@client.example"],
        ["d4", "", "ok3@client.example", "X", "", recent(), "call"],
        ["d5", seller.email, "ok4@client.example", "X" * 121, "", recent(), "call"],
        ["d6", seller.email, "fine@client.example", "Fine", "", recent(), "call"],
    ])
    run = run_import(data)
    assert (run.rows_total, run.rows_created, run.rows_rejected) == (6, 1, 5)
    assert _rejections(session, run) == [
        (2, "Email", "That email address does not look right."),
        (3, "Date", "is not a date and time like 2026-11-20 14:30 (ISO 8601)"),
        (3, "Type", "is not one of call, demo, meeting, other"),
        (4, None, "has 3 fields where the header has 7"),
        (5, "Salesperson", "is empty"),
        (6, "Name", "longer than 120 characters"),
    ]
    # Reasons never carry the rejected values.
    assert not any("not-an-email" in reason for *_, reason in _rejections(session, run))
    assert _engagements(session) == 1


def test_bytes_that_are_not_utf8_reject_only_their_row(session, run_import, seller):
    good = csv_bytes([["e1", seller.email, "kim@client.example", "Kim", "", recent(), "call"]])
    bad = f"e2,{seller.email},lee@client.example,L\xe9e,,{recent()},call\n".encode("latin-1")
    run = run_import(good + bad)
    assert (run.rows_created, run.rows_rejected) == (1, 1)
    assert _rejections(session, run)[0][0] == 3


def test_chunks_commit_as_they_go_and_progress_is_counted(session, run_import, seller):
    rows = [[f"f{i}", seller.email, f"c{i}@client.example", "C", "", recent(), "call"]
            for i in range(25)]
    run = run_import(csv_bytes(rows), chunk_size=10)
    assert run.rows_total == 25 and run.rows_created == 25
    assert run.heartbeat_at is not None and run.finished_at is not None
