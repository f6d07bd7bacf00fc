"""Driving the admin import page the way a browser does, for any test that needs it."""

from __future__ import annotations

import io
import time

from feedback.models import ImportRun, ImportStatus
from tests.conftest import csrf_from


def upload(client, data: bytes, *, filename: str = "crm.csv", dry_run: bool = False,
           **mapping: str):
    """POST a CSV to /admin/imports with the page's CSRF token; the response."""
    form = {"csrf_token": csrf_from(client.get("/admin/imports").text),
            "file": (io.BytesIO(data), filename),
            **{f"map_{field}": header for field, header in mapping.items()}}
    if dry_run:
        form["dry_run"] = "y"
    response = client.post("/admin/imports", data=form, content_type="multipart/form-data")
    # Werkzeug's test client spools a large body to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def finished_page(client, location: str) -> str:
    """The run page once the background import is done (it refreshes itself until then)."""
    for _ in range(400):
        page = client.get(location)
        assert page.status_code == 200
        if "Refresh" not in page.headers:
            return page.text
        time.sleep(0.025)
    raise AssertionError("the import did not finish")


def finished_run(session, run_id: int) -> ImportRun:
    """The import run once it is no longer pending or running."""
    for _ in range(600):
        session.expire_all()
        run = session.get(ImportRun, run_id)
        if run.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
            return run
        time.sleep(0.01)
    raise AssertionError("the import did not finish")
