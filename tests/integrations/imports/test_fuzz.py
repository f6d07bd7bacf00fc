"""Hypothesis fuzzing of the CSV import: never a crash, never a partial row.

Files mix good rows with garbage: stray quotes and separators, embedded newlines,
NUL and control characters, bytes that are not UTF-8, ragged rows. Whatever comes
in, the run finishes, every row is counted exactly once (created, unchanged or
rejected), and every stored engagement is whole: one invitation, a customer, an id
that was in the file.
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.models import Customer, Engagement, ImportRejection, ImportStatus, Invitation, User
from tests.integrations.imports.conftest import HEADER, recent

SELLER = "fuzz.seller@staff.example"
NASTY = ['"', '""', ",", ";", "\n", "\r\n", "\x00", "\x1b", "=cmd()", "é", "\u2028", " "]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=12),
                 st.text(alphabet=st.sampled_from('ab",\n\r;\t\x00'), max_size=6))


@st.composite
def good_rows(draw):
    n = draw(st.integers(0, 999))
    return [f"g{n}", SELLER, f"c{n}@client.example", draw(st.sampled_from(["Kim", ""])), "",
            recent(draw(st.integers(1, 400))), draw(st.sampled_from(["call", "demo", ""]))]


rows = st.lists(st.one_of(good_rows(), st.lists(text, max_size=9)), max_size=25)


def _encode(drawn_rows, quoted: bool, tail: bytes) -> bytes:
    out = io.StringIO()
    if quoted:
        csv.writer(out).writerows([HEADER, *drawn_rows])
    else:  # no quoting at all: separators and quotes inside fields break the shape
        out.write("\n".join(",".join(r) for r in [HEADER, *drawn_rows]) + "\n")
    return out.getvalue().encode("utf-8", "surrogatepass") + tail


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=rows, quoted=st.booleans(), tail=st.binary(max_size=8),
       chunk_size=st.integers(1, 7))
def test_any_file_finishes_and_every_row_is_whole_or_rejected(session, make_user, run_import,
                                                              drawn, quoted, tail, chunk_size):
    # Hypothesis runs many examples in one test: the salesperson is made once.
    if session.scalar(select(func.count(User.id)).where(User.email == SELLER)) == 0:
        make_user(email=SELLER)
    before = session.scalar(select(func.count(Engagement.id)))
    run = run_import(_encode(drawn, quoted, tail), chunk_size=chunk_size)

    assert run.status is ImportStatus.DONE
    rejected_rows = session.scalar(select(func.count(func.distinct(ImportRejection.row_number)))
                                   .where(ImportRejection.run_id == run.id))
    assert run.rows_rejected == rejected_rows
    assert run.rows_total == run.rows_created + run.rows_unchanged + run.rows_rejected
    session.expire_all()
    engagements = session.scalar(select(func.count(Engagement.id)))
    assert engagements - before == run.rows_created
    # Whole rows only: every engagement has its invitation and its customer.
    orphans = session.scalar(select(func.count(Engagement.id)).outerjoin(
        Invitation, Invitation.engagement_id == Engagement.id).where(Invitation.id.is_(None)))
    assert orphans == 0
    lonely = session.scalar(select(func.count(Customer.id)).where(~Customer.id.in_(
        select(Engagement.customer_id))))
    assert lonely == 0
    ids = set(session.scalars(select(Engagement.external_id)))
    assert ids <= {f"g{n}" for n in range(1000)}

