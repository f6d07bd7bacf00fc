"""CSV import fuzzing through the admin upload page: what tests/imports/test_fuzz.py leaves out.

That test drives the import service directly, always with a good header row, and checks
that every row is counted once and every stored engagement is whole. It never sends a
file through the page a browser uses, so it cannot see a server error there; it never
varies the header row, the column choices, the file name or dry run; and it does not
read the downloadable report. Here all of those are fuzzed, and after each upload: never
a 5xx, no half-stored row, a dry run stores nothing, and the report has one line per
refused cell, only for rows that were refused, quoting no customer data and starting
no spreadsheet formula.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.integrations import csv_rows
from feedback.models import (
    Customer,
    Engagement,
    ImportRejection,
    ImportRun,
    ImportStatus,
    Invitation,
    Role,
    User,
)
from tests.conftest import Auth
from tests.integrations.imports import pages
from tests.integrations.imports.conftest import HEADER
from tests.integrations.imports.test_fuzz import SELLER
from tests.integrations.imports.test_fuzz import rows as data_rows
from tests.integrations.imports.test_fuzz import text as nasty_text
from tests.security.payloads import assert_no_formulas, csv_cells

KNOWN_NAMES = sorted({name for names in csv_rows.SYNONYMS.values() for name in names})
header_name = st.one_of(st.sampled_from(KNOWN_NAMES), nasty_text,
                        st.sampled_from(["Email\x00", "=cmd()", "\ufeffEmail", "e-mail ",
                                         "x" * 300]))
# Mostly the usual header, choices and name, so that most files get as far as the rows.
headers = st.one_of(st.just(HEADER), st.just(HEADER), st.just(HEADER),
                    st.lists(header_name, min_size=1, max_size=8),
                    st.lists(st.sampled_from(HEADER), min_size=1, max_size=8))
#: What a person might type in the "which column is this?" boxes.
choices = st.one_of(st.just({}), st.just({}), st.dictionaries(
    st.sampled_from(list(csv_rows.LABELS)), st.one_of(st.sampled_from(HEADER), header_name),
    max_size=2))
filenames = st.one_of(st.just("crm export.csv"), st.sampled_from([
    "a\x00b.csv", "../../etc/passwd", "x" * 300, "é.csv", "<script>.csv", "=cmd().csv", ""]))


@pytest.fixture
def admin_client(app, make_user, session):
    """A signed-in admin's browser (one for all examples), and the salesperson the rows
    name."""
    client = app.test_client()
    assert Auth(client).login(make_user(Role.ADMIN)).status_code == 302
    if session.scalar(select(func.count(User.id)).where(User.email == SELLER)) == 0:
        make_user(email=SELLER)
    return client


def _upload(client, data: bytes, filename: str, dry_run: bool, mapping: dict[str, str]):
    return pages.upload(client, data, filename=filename, dry_run=dry_run, **mapping)


def _finished(session, run_id: int) -> ImportRun:
    return pages.finished_run(session, run_id)


def _counts(session) -> tuple[int, int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(Engagement.id))),
            session.scalar(select(func.count(ImportRun.id))),
            session.scalar(select(func.count(Customer.id))))


def _assert_whole(session) -> None:
    """Every engagement has its invitation; every customer has an engagement."""
    orphans = session.scalar(select(func.count(Engagement.id)).outerjoin(
        Invitation, Invitation.engagement_id == Engagement.id).where(Invitation.id.is_(None)))
    lonely = session.scalar(select(func.count(Customer.id)).where(~Customer.id.in_(
        select(Engagement.customer_id))))
    assert (orphans, lonely) == (0, 0)


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(header=headers, drawn=data_rows, quoted=st.booleans(), tail=st.binary(max_size=8),
       mapping=choices, filename=filenames, dry_run=st.booleans())
def test_any_upload_is_answered_and_reported_row_by_row(admin_client, session, header, drawn,
                                                         quoted, tail, mapping, filename,
                                                         dry_run):
    """Never a 5xx from the upload, run page or report; whole rows only; a dry run stores
    nothing; the report lists exactly the refused rows, without customer data."""
    engagements, runs, _ = _counts(session)
    data = _encode_with(header, drawn, quoted, tail)
    response = _upload(admin_client, data, filename, dry_run, mapping)
    assert response.status_code in (303, 413, 422), response.status_code
    event(f"upload {response.status_code}")
    if response.status_code != 303:
        assert _counts(session)[:2] == (engagements, runs)  # refused: nothing at all
        return

    run = _finished(session, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert run.status is ImportStatus.DONE, run.error
    page = admin_client.get(f"/admin/imports/{run.id}")
    assert page.status_code == 200
    report = admin_client.get(f"/admin/imports/{run.id}/rejections.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert_no_formulas(report.text, "rejections.csv")
    [heading, *lines] = csv_cells(report.text)
    assert heading == ["row", "column", "reason"]
    stored = session.execute(select(ImportRejection.row_number, ImportRejection.reason)
                             .where(ImportRejection.run_id == run.id)).all()
    assert len(lines) == len(stored)
    assert {int(line[0]) for line in lines} == {number for number, _ in stored}
    assert len({number for number, _ in stored}) == run.rows_rejected
    assert all(number >= 2 for number, _ in stored)  # row 1 is the header
    assert not any("@" in reason for _, reason in stored)  # no address quoted back
    assert run.rows_total == run.rows_created + run.rows_unchanged + run.rows_rejected

    created = _counts(session)[0] - engagements
    assert created == (0 if dry_run else run.rows_created)
    _assert_whole(session)
    event("dry run" if dry_run else f"stored {min(created, 3)}+")


def _encode_with(header: list[str], drawn, quoted: bool, tail: bytes) -> bytes:
    """The file as tests/imports/test_fuzz.py writes it, with this example's header row."""
    out = io.StringIO()
    if quoted:
        csv.writer(out).writerows([header, *drawn])
    else:  # no quoting at all: separators and quotes inside fields break the shape
        out.write("\n".join(",".join(r) for r in [header, *drawn]) + "\n")
    return out.getvalue().encode("utf-8", "surrogatepass") + tail
