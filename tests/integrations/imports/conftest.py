"""Import fixtures: CSV files built in memory, run through the real import service."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from feedback.integrations import csv_import as engagement_import
from feedback.models import ImportRun

HEADER = ["CRM ID", "Salesperson", "Email", "Name", "Company", "Date", "Type"]


def recent(hours: int = 3) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def csv_bytes(rows: list[list[str]], header: list[str] | None = None, sep: str = ",") -> bytes:
    lines = [sep.join(header or HEADER)] + [sep.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def run_import(session, settings):
    """run_import(data, dry_run=False, overrides=None, chunk_size=...) -> the finished run."""

    def run(data: bytes, *, dry_run: bool = False, overrides: dict | None = None,
            chunk_size: int = engagement_import.CHUNK) -> ImportRun:
        _, mapping = engagement_import.read_mapping(io.BytesIO(data), overrides)
        run = engagement_import.create_run(session, filename="t.csv", mapping=mapping,
                                           dry_run=dry_run)
        session.commit()
        engagement_import.execute(session, run, io.BytesIO(data), settings,
                                  commit=session.commit, chunk_size=chunk_size)
        return run

    return run


@pytest.fixture
def seller(make_user):
    return make_user(email="ana@staff.example", name="Ana Lopez")
