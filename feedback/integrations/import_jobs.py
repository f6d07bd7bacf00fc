"""Uploaded CSV files and the background thread that imports them.

An upload is saved under the instance folder as ``imports/run-<id>.csv`` so the
request can answer at once and the run page can show progress while a thread
works through the file (a 100,000-row file takes longer than a web request
should). A dry run keeps its file so the admin can then import it for real; a
real import deletes it when done. Files left by dry runs nobody confirmed are
deleted after FILE_TTL. A run whose thread died (the process was restarted) stops
sending heartbeats and is shown as stopped after STALE_AFTER; importing the same
file again is safe, because rows are idempotent.
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import Flask

from feedback.core import clock, settings
from feedback.core.extensions import db
from feedback.integrations import csv_import as engagement_import
from feedback.models import ImportRun, ImportStatus

FILE_TTL = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=10)


def folder(instance_path: str) -> Path:
    path = Path(instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_for(instance_path: str, run_id: int) -> Path:
    """Where the upload of a run is kept."""
    return folder(instance_path) / f"run-{run_id}.csv"


def save_upload(instance_path: str, run_id: int, stream: BinaryIO) -> Path:
    """Copy an uploaded stream to the run's file, in bounded pieces."""
    path = file_for(instance_path, run_id)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    return path


def hand_over(instance_path: str, from_run: int, to_run: int) -> bool:
    """Give a dry run's file to the real run that follows it; False if it is gone."""
    source = file_for(instance_path, from_run)
    if not source.exists():
        return False
    source.replace(file_for(instance_path, to_run))
    return True


def forget_old_files(instance_path: str, now: float | None = None) -> None:
    """Delete uploads older than FILE_TTL (they hold customer addresses)."""
    cutoff = (now or time.time()) - FILE_TTL.total_seconds()
    for path in folder(instance_path).glob("run-*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def looks_stale(run: ImportRun, now: datetime | None = None) -> bool:
    """Whether a pending or running import has stopped sending heartbeats (its thread died)."""
    if run.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return False
    last_sign = run.heartbeat_at or run.created_at
    return last_sign < (now or clock.now()) - STALE_AFTER


def run_now(app: Flask, run_id: int) -> None:
    """Import a saved upload in this thread, with its own session; never raises."""
    path = file_for(app.instance_path, run_id)
    with app.app_context():
        session = db.session
        run = session.get(ImportRun, run_id)
        keep_file = run is None or run.dry_run
        try:
            with path.open("rb") as binary:
                engagement_import.execute(session, run, binary, settings.current(),
                                          commit=session.commit)
        except engagement_import.MappingError as error:
            session.rollback()
            engagement_import.mark_failed(session, run_id, str(error))
            session.commit()
        except Exception:
            app.logger.exception("import run %s failed", run_id)
            session.rollback()
            engagement_import.mark_failed(
                session, run_id, "stopped by an unexpected error; importing again is safe")
            session.commit()
        finally:
            if not keep_file:
                path.unlink(missing_ok=True)
            db.session.remove()


def start(app: Flask, run_id: int) -> threading.Thread:
    """Import a saved upload in a background thread (the run page shows its progress)."""
    thread = threading.Thread(target=run_now, args=(app, run_id),
                              name=f"import-run-{run_id}", daemon=True)
    thread.start()
    return thread
