"""How conversations arrive from outside: API keys and CSV import runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.types import UTCDateTime, utcnow


class ApiScope(enum.StrEnum):
    ENGAGEMENTS_WRITE = "engagements:write"
    ENGAGEMENTS_READ = "engagements:read"
    SUPPRESSIONS_WRITE = "suppressions:write"


class ApiKey(db.Model):
    """A key for a CRM or script. The secret is shown once; only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The first characters of the key, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A list of ApiScope values.
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportRun(db.Model):
    """One CSV upload: a dry run or a real import, with its counts and rejected rows."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    dry_run: Mapped[bool] = mapped_column(default=True)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, native_enum=False, length=16),
        default=ImportStatus.PENDING)
    #: The column mapping used: {our field: their header}.
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_created: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    #: Of the created rows: how many got a scheduled survey...
    rows_scheduled: Mapped[int] = mapped_column(default=0)
    #: ...and how many were skipped, by SkipReason value ({"cooldown": 3}).
    skip_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Why a run stopped early (never row data).
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set after every chunk: a running import whose heartbeat stops has died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rejections: Mapped[list[ImportRejection]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="ImportRejection.row_number")


class ImportRejection(db.Model):
    """A row the import refused, and why (never the row's customer data)."""

    __tablename__ = "import_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"),
                                        index=True)
    row_number: Mapped[int]
    column: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(255))

    run: Mapped[ImportRun] = relationship(back_populates="rejections")
