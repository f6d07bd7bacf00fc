"""Importing conversations from a CSV file, streamed in chunks with bounded memory.

The file is read row by row (csv over a text stream); every CHUNK rows are logged
through scheduling.log_engagement inside one savepoint and then committed through
the caller's `commit` callback, so progress is visible while the import runs and a
crash loses at most one chunk, which a re-run picks up: rows are idempotent by
external_id (see feedback.integrations.intake; a row without one gets a stable derived id).

A dry run does exactly the same work and rolls each chunk back, so its report is
what the import would do. One difference: rows in different chunks do not see
each other in a dry run (a customer twice in the file, far apart, counts as two
new surveys there, while the real import skips the second for the cooldown).

Memory does not grow with the file: one chunk of rows, a cache of salespeople by
address, and counters. Rejected rows go to import_rejections as they are found.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain, islice
from typing import BinaryIO, TextIO

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from feedback.core import audit, clock
from feedback.core.errors import InvalidEngagement
from feedback.core.settings import Settings
from feedback.delivery import scheduling_in_bulk as scheduling_batch
from feedback.integrations import csv_rows, intake
from feedback.integrations.csv_rows import MappingError, ParsedRow, Rejection
from feedback.models import (
    Engagement,
    EngagementSource,
    ImportRejection,
    ImportRun,
    ImportStatus,
    InvitationStatus,
    Role,
    SkipReason,
    User,
)

#: Rows per savepoint and commit: big enough to amortise the per-chunk queries,
#: small enough that memory stays flat (~2,000 rows of Python objects).
CHUNK = 2000


def text_stream(binary: BinaryIO) -> TextIO:
    """UTF-8 text (a leading BOM is dropped); undecodable bytes are kept so the rows
    holding them can be rejected one by one instead of failing the whole file."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape",
                            newline="")


def _reader(stream: TextIO) -> tuple[list[str], Iterator[list[str]]]:
    first = stream.readline(csv_rows.LINE_LIMIT)
    reader = csv.reader(chain([first], csv_rows.bounded_lines(stream)),
                        delimiter=csv_rows.sniff_delimiter(first))
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise MappingError("The file is empty or its first row is not a CSV header.") from exc
    return headers, reader


def read_mapping(binary: BinaryIO, overrides: dict[str, str] | None = None
                 ) -> tuple[list[str], dict[str, str]]:
    """The header row and the column mapping that would be used (reads only the header)."""
    text = text_stream(binary)
    try:
        headers, _ = _reader(text)
    finally:
        text.detach()  # leave the caller's stream open
    return headers, csv_rows.resolve_mapping(headers, overrides)


def create_run(session: Session, *, filename: str, mapping: dict[str, str], dry_run: bool,
               created_by: User | None = None) -> ImportRun:
    """A pending run, recorded in the audit log."""
    # A file name comes from the browser: no control characters (PostgreSQL refuses NUL).
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename)[:255]
    run = ImportRun(filename=filename or "upload.csv", mapping=mapping, dry_run=dry_run,
                    created_by_id=created_by.id if created_by else None,
                    status=ImportStatus.PENDING, skip_reasons={})
    session.add(run)
    session.flush()
    audit.record(session, created_by, "import.create", subject_type="import_run",
                 subject_id=run.id, dry_run=dry_run)
    return run


def mark_failed(session: Session, run_id: int, reason: str, now: datetime | None = None) -> None:
    """Record that a run stopped early (rows already committed stay; re-running is safe)."""
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        status=ImportStatus.FAILED, error=reason[:255], finished_at=now or clock.now()))


def execute(session: Session, run: ImportRun, binary: BinaryIO, settings: Settings, *,
            commit: Callable[[], None], chunk_size: int = CHUNK,
            progress: Callable[[ImportRun], None] | None = None,
            now: datetime | None = None) -> ImportRun:
    """Import (or dry-run) the file into `run`, committing after every chunk.

    Raises MappingError if the header no longer matches the run's mapping; other
    errors propagate with the committed chunks kept (the caller marks the run failed).
    """
    text = text_stream(binary)
    try:
        _run_chunks(session, run, text, settings, commit=commit, chunk_size=chunk_size,
                    progress=progress, now=now)
    finally:
        text.detach()  # the caller closes its own stream
    run.status = ImportStatus.DONE
    run.finished_at = clock.now()
    commit()
    return run


def _run_chunks(session: Session, run: ImportRun, text: TextIO, settings: Settings, *,
                commit: Callable[[], None], chunk_size: int,
                progress: Callable[[ImportRun], None] | None, now: datetime | None) -> None:
    headers, reader = _reader(text)
    position = {h: i for i, h in reversed(list(enumerate(headers)))}
    if not set(run.mapping.values()) <= set(position):
        raise MappingError("The file's header does not match the chosen columns.")
    columns = {field: position[header] for field, header in run.mapping.items()}
    chunk_run = _ChunkRunner(session, run, settings, columns, len(headers), now)
    run.status = ImportStatus.RUNNING
    run.heartbeat_at = clock.now()
    commit()
    rows = csv_rows.records(reader)
    while chunk := list(islice(rows, chunk_size)):
        chunk_run.apply(chunk)
        run.heartbeat_at = clock.now()
        commit()
        if progress is not None:
            progress(run)


class _Tally:
    """What happened to the rows of one chunk."""

    def __init__(self) -> None:
        self.new = self.unchanged = self.scheduled = 0
        self.skips: Counter[str] = Counter()
        self.rejections: list[Rejection] = []

    def created(self, status: InvitationStatus, skip_reason: SkipReason | None) -> None:
        self.new += 1
        if status is InvitationStatus.SKIPPED:
            self.skips[skip_reason.value] += 1
        else:
            self.scheduled += 1

    def reject(self, row: ParsedRow, column: str | None, reason: str) -> None:
        self.rejections.append(Rejection(row.row_number, column, reason))

    def invalid(self, row: ParsedRow, mapping: dict[str, str], error: InvalidEngagement) -> None:
        field = "salesperson_email" if error.field == "salesperson" else error.field
        self.reject(row, mapping.get(field or ""), str(error))

    def conflict(self, row: ParsedRow, mapping: dict[str, str], fields: list[str]) -> None:
        self.reject(row, mapping.get("external_id", "external_id"),
                    f"already names a different conversation (differs in {', '.join(fields)})")


class _ChunkRunner:
    """Applies chunks of rows to one run; holds what may be reused between chunks."""

    def __init__(self, session: Session, run: ImportRun, settings: Settings,
                 columns: dict[str, int], width: int, now: datetime | None):
        self.session, self.run, self.settings = session, run, settings
        self.columns, self.width, self.now = columns, width, now
        #: Salesperson address -> user id (None: no such active salesperson).
        self.salespeople: dict[str, int | None] = {}
        self.users: dict[int, User] = {}

    def apply(self, chunk: list[tuple[int, list[str] | None, str | None]]) -> None:
        parsed: list[ParsedRow] = []
        rejections: list[Rejection] = []
        for row_number, fields, error in chunk:
            if fields is None:
                rejections.append(Rejection(row_number, None, error or "unreadable"))
                continue
            result = csv_rows.parse_row(row_number, fields, self.columns, self.run.mapping,
                                        self.width)
            if isinstance(result, ParsedRow):
                parsed.append(result)
            else:
                rejections.extend(result)
        self._load_salespeople({p.salesperson_email for p in parsed})
        tally = _Tally()
        savepoint = self.session.begin_nested()
        try:
            self._apply_fast(parsed, tally)
        except IntegrityError:
            # Someone stored one of these ids (or customers) meanwhile: redo row by row.
            savepoint.rollback()
            savepoint = self.session.begin_nested()
            tally = _Tally()
            self._apply_careful(parsed, tally)
        if self.run.dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
        self._record(len(chunk), tally, rejections + tally.rejections)

    def _load_salespeople(self, emails: set[str]) -> None:
        """Who each address names; the users themselves are held for this chunk only."""
        unknown = [e for e in emails if e not in self.salespeople]
        if unknown:
            found = {u.email: u for u in self.session.execute(
                select(User).where(User.email.in_(unknown))).scalars()}
            for email in unknown:
                user = found.get(email)
                ok = user is not None and user.role is Role.SALESPERSON and user.active
                self.salespeople[email] = user.id if ok else None
        ids = {self.salespeople[e] for e in emails} - {None}
        # Loaded in one query and referenced here, so they are not reloaded row by row.
        self.users = {u.id: u for u in self.session.execute(
            select(User).where(User.id.in_(ids))).scalars()} if ids else {}

    def _salesperson(self, row: ParsedRow, tally: _Tally) -> User | None:
        user_id = self.salespeople.get(row.salesperson_email)
        if user_id is None:
            tally.reject(row, self.run.mapping.get("salesperson_email"),
                         "no active salesperson has this address")
            return None
        return self.users[user_id]

    def _held(self, parsed: list[ParsedRow]) -> dict[str, dict]:
        ids = [p.conversation.external_id for p in parsed]
        if not ids:
            return {}
        return {e.external_id: intake.stored_facts(e) for e in self.session.execute(
            select(Engagement).where(Engagement.external_id.in_(ids))
            .options(joinedload(Engagement.customer))).scalars()}

    def _apply_fast(self, parsed: list[ParsedRow], tally: _Tally) -> None:
        """Sort rows into unchanged, conflicting and new; log the new ones as one batch."""
        known = self._held(parsed)  # external_id -> facts, stored or earlier in this chunk
        batch: list[tuple[ParsedRow, User]] = []
        for row in parsed:
            salesperson = self._salesperson(row, tally)
            if salesperson is None:
                continue
            incoming = intake.facts_of(salesperson.id, row.conversation)
            held = known.get(row.conversation.external_id)
            if held is None:
                known[row.conversation.external_id] = incoming
                batch.append((row, salesperson))
            elif changed := intake.differences(held, incoming):
                tally.conflict(row, self.run.mapping, changed)
            else:
                tally.unchanged += 1
        logged = scheduling_batch.log_engagements(
            self.session, [(sp, row.conversation) for row, sp in batch], self.settings,
            source=EngagementSource.CSV, now=self.now)
        for (row, _), result in zip(batch, logged, strict=True):
            if isinstance(result, InvalidEngagement):
                tally.invalid(row, self.run.mapping, result)
            else:
                tally.created(result.status, result.skip_reason)

    def _apply_careful(self, parsed: list[ParsedRow], tally: _Tally) -> None:
        """One row at a time, each in its own savepoint (after a clash with another writer)."""
        for row in parsed:
            salesperson = self._salesperson(row, tally)
            if salesperson is None:
                continue
            try:
                recorded = intake.record(self.session, salesperson, row.conversation,
                                         self.settings, source=EngagementSource.CSV,
                                         now=self.now)
            except InvalidEngagement as error:
                tally.invalid(row, self.run.mapping, error)
            except intake.ExternalIdConflict as error:
                tally.conflict(row, self.run.mapping, error.fields)
            else:
                if recorded.created:
                    invitation = recorded.engagement.invitation
                    tally.created(invitation.status, invitation.skip_reason)
                else:
                    tally.unchanged += 1

    def _record(self, rows: int, tally: _Tally, rejections: list[Rejection]) -> None:
        run = self.run
        run.rows_total += rows
        run.rows_created += tally.new
        run.rows_unchanged += tally.unchanged
        run.rows_scheduled += tally.scheduled
        run.rows_rejected += len({r.row_number for r in rejections})
        if tally.skips:
            run.skip_reasons = dict(Counter(run.skip_reasons or {}) + tally.skips)
        if rejections:
            self.session.execute(insert(ImportRejection), [
                {"run_id": run.id, "row_number": r.row_number,
                 "column": (r.column or None) and r.column[:64], "reason": r.reason[:255]}
                for r in sorted(rejections, key=lambda r: r.row_number)])

