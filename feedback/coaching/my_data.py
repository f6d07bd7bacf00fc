"""Export my data: my released answers (as I may see them) and my reflections, CSV or JSON.

Every export is written to the audit log (format and counts only).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from feedback import privacy
from feedback.core import audit, clock
from feedback.models import User

FORMATS = ("csv", "json")
PRESSURE_WORDS = {"no": "no", "a_little": "a little", "yes": "yes"}
COLUMNS = ("conversation_week", "customer", "company", "conversation_date", "respected",
           "helped", "pressured", "doubted_promise", "promise_note", "what_to_do_better",
           "my_reflection")
#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    filename: str
    mimetype: str
    body: str


def neutralise(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def my_rows(session: Session, viewer: User) -> list[dict]:
    """The viewer's answers as they may see them, with their reflection, newest first."""
    items = privacy.my_feedback(session, viewer)
    reflections = privacy.my_reflections(session, viewer)
    rows = []
    for item in items:
        reflection = reflections.get(item.id)
        rows.append({
            "conversation_week": item.week_start.isoformat(),
            "customer": item.customer_name,
            "company": item.customer_company,
            "conversation_date": item.occurred_at.date().isoformat() if item.occurred_at
            else None,
            "respected": item.respected,
            "helped": item.helped,
            "pressured": PRESSURE_WORDS[item.pressure.value],
            "doubted_promise": item.doubtful_promise,
            "promise_note": item.promise_note,
            "what_to_do_better": item.improve_comment,
            "my_reflection": reflection.body if reflection else None,
        })
    return rows


def to_csv(rows: list[dict]) -> str:
    """CSV with a header row; formula-like cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise(value)


def to_json(rows: list[dict], viewer: User, now: datetime) -> str:
    """A JSON document: who, when, and the rows."""
    return json.dumps({"exported_at": now.isoformat(), "salesperson": viewer.name,
                       "answers": rows}, ensure_ascii=False, indent=2)


def export(session: Session, viewer: User, fmt: str, now: datetime | None = None) -> Export:
    """Build the viewer's export in `fmt` ("csv" or "json") and log it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    now = now or clock.now()
    rows = my_rows(session, viewer)
    audit.record(session, viewer, "export.my_data", subject_type="user", subject_id=viewer.id,
                 format=fmt, answers=len(rows),
                 reflections=sum(1 for r in rows if r["my_reflection"] is not None))
    session.flush()
    stamp = now.strftime("%Y-%m-%d")
    if fmt == "csv":
        return Export(f"my-feedback-{stamp}.csv", "text/csv; charset=utf-8", to_csv(rows))
    return Export(f"my-feedback-{stamp}.json", "application/json", to_json(rows, viewer, now))
