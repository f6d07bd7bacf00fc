"""Reading a spreadsheet of conversations: which column is what, and one row at a time;
and writing back the report of rows that were refused.

Headers are matched case-insensitively against a few common names for each field
("Email", "Contact email", "Customer e-mail" all mean the customer's address);
an explicit mapping overrides the guess. A row becomes either a complete
conversation or a list of rejections (row number, column, reason): never half of
one. Reasons never quote the rejected value, so the report holds no customer data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.core.errors import DomainError
from feedback.delivery.scheduling import ConversationInput
from feedback.models import EngagementKind, ImportRejection

#: Our fields, each with the headers that name it (compared without case,
#: spaces, dashes or underscores). Earlier names win when several are present.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "crm id", "record id", "activity id", "meeting id", "id"),
    "salesperson_email": ("salesperson_email", "salesperson", "sales rep email", "rep email",
                          "sales rep", "owner email", "owner", "seller email", "user email"),
    "customer_email": ("customer_email", "customer email", "contact email", "client email",
                       "email address", "email", "e-mail"),
    "customer_name": ("customer_name", "customer name", "contact name", "client name",
                      "full name", "name", "contact", "customer"),
    "company": ("company", "company name", "account name", "account", "organisation",
                "organization", "client"),
    "occurred_at": ("occurred_at", "occurred at", "date and time", "datetime", "date time",
                    "meeting date", "activity date", "timestamp", "when", "date", "time"),
    "kind": ("kind", "activity type", "meeting type", "type", "channel"),
}
REQUIRED = ("salesperson_email", "customer_email", "occurred_at")
LABELS = {
    "external_id": "External id",
    "salesperson_email": "Salesperson email",
    "customer_email": "Customer email",
    "customer_name": "Customer name",
    "company": "Company",
    "occurred_at": "When",
    "kind": "Kind",
}
_MAX = {"external_id": 128, "salesperson_email": 254, "customer_email": 254,
        "customer_name": 120, "company": 120}
_KINDS = {"call": EngagementKind.CALL, "phone": EngagementKind.CALL,
          "phone call": EngagementKind.CALL, "demo": EngagementKind.DEMO,
          "meeting": EngagementKind.MEETING, "visit": EngagementKind.MEETING,
          "video call": EngagementKind.MEETING, "other": EngagementKind.OTHER,
          "": EngagementKind.OTHER}
#: Control characters and undecodable bytes (kept as lone surrogates by the reader).
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
#: A line longer than this is cut: a file without newlines cannot fill the memory.
LINE_LIMIT = 1024 * 1024


class MappingError(DomainError):
    """The header row does not say where a required field is, or a mapping is wrong."""

    code = "csv_mapping"


@dataclass(frozen=True)
class Rejection:
    row_number: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class ParsedRow:
    row_number: int
    salesperson_email: str
    conversation: ConversationInput


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lstrip("\ufeff").lower())


def resolve_mapping(headers: list[str], overrides: dict[str, str] | None = None
                    ) -> dict[str, str]:
    """{our field: their header}, from `overrides` first, then from known header names."""
    overrides = overrides or {}
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    mapping: dict[str, str] = {}
    for field, header in overrides.items():
        if field not in SYNONYMS:
            raise MappingError(f"There is no field called {field!r}; fields are "
                               f"{', '.join(SYNONYMS)}.")
        if header and _key(header) not in by_key:
            raise MappingError(f"The file has no column called {header!r}.")
        if header:
            mapping[field] = by_key[_key(header)]
    used = set(mapping.values())
    for field, names in SYNONYMS.items():
        if field in mapping or field in overrides:
            continue
        for name in names:
            header = by_key.get(_key(name))
            if header is not None and header not in used:
                mapping[field] = header
                used.add(header)
                break
    missing = [LABELS[f] for f in REQUIRED if f not in mapping]
    if missing:
        raise MappingError(f"No column found for: {', '.join(missing)}. Rename the header or "
                           "choose the column by hand.")
    return mapping


def sniff_delimiter(first_line: str) -> str:
    """Comma, semicolon (European spreadsheets) or tab: whichever the header uses most."""
    return max((",", ";", "\t"), key=first_line.count)


def bounded_lines(stream: TextIO) -> Iterator[str]:
    """The stream's lines, none longer than LINE_LIMIT characters."""
    return iter(lambda: stream.readline(LINE_LIMIT), "")


def records(reader: Iterable[list[str]]) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(row number, fields, None) per data row, or (row number, None, reason) for a row
    the CSV reader could not read. Row 1 is the header; blank rows are passed over."""
    iterator = iter(reader)
    row_number = 1
    while True:
        row_number += 1
        try:
            fields = next(iterator)
        except StopIteration:
            return
        except csv.Error as exc:
            yield row_number, None, f"could not be read as CSV ({exc})"
            continue
        if any(f.strip() for f in fields):
            yield row_number, fields, None


def parse_moment(text: str) -> datetime | None:
    """ISO 8601 date and time; without an offset it is read as UTC. None if unreadable."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 2000 <= value.year <= 2999:
        return None
    return value.astimezone(UTC)


def derived_external_id(salesperson_email: str, customer_email: str, occurred_at: datetime,
                        kind: EngagementKind) -> str:
    """A stable id for a row without one, so importing the same file twice is harmless."""
    basis = f"{salesperson_email}|{customer_email}|{occurred_at.isoformat()}|{kind.value}"
    return "csv:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]


def parse_row(row_number: int, fields: list[str], columns: dict[str, int],
              mapping: dict[str, str], width: int) -> ParsedRow | list[Rejection]:
    """One data row as a conversation, or every reason it cannot be one."""
    if len(fields) != width:
        return [Rejection(row_number, None,
                          f"has {len(fields)} fields where the header has {width}")]
    if _BAD_TEXT.search("".join(fields)):
        return [Rejection(row_number, None,
                          "contains control characters or text that is not UTF-8")]
    values = {f: " ".join(fields[i].split()) for f, i in columns.items()}
    problems: list[Rejection] = []

    def reject(field: str, reason: str) -> None:
        problems.append(Rejection(row_number, mapping.get(field), reason))

    for field, limit in _MAX.items():
        if len(values.get(field, "")) > limit:
            reject(field, f"longer than {limit} characters")
    for field in REQUIRED:
        if not values.get(field):
            reject(field, "is empty")
    occurred_at = None
    if values.get("occurred_at"):
        occurred_at = parse_moment(values["occurred_at"])
        if occurred_at is None:
            reject("occurred_at", "is not a date and time like 2026-11-20 14:30 (ISO 8601)")
    kind = _KINDS.get(values.get("kind", "").lower())
    if kind is None:
        reject("kind", "is not one of call, demo, meeting, other")
    if problems:
        return problems
    salesperson_email = values["salesperson_email"].lower()
    external_id = values.get("external_id") or derived_external_id(
        salesperson_email, values["customer_email"].lower(), occurred_at, kind)
    return ParsedRow(row_number, salesperson_email, ConversationInput(
        customer_email=values["customer_email"], customer_name=values.get("customer_name", ""),
        company=values.get("company", ""), occurred_at=occurred_at, kind=kind,
        external_id=external_id))


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def rejections_csv(session: Session, run_id: int) -> Iterator[str]:
    """A run's rejected rows as CSV text (row, column, reason), streamed line by line.

    Cells that a spreadsheet would run as a formula are neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "reason"])
    rows = session.execute(
        select(ImportRejection.row_number, ImportRejection.column, ImportRejection.reason)
        .where(ImportRejection.run_id == run_id)
        .order_by(ImportRejection.row_number, ImportRejection.id)
        .execution_options(yield_per=1000))
    for row_number, column, reason in rows:
        yield _take(buffer)
        writer.writerow([row_number, neutralise(column or ""),
                         neutralise(reason)])
    yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
