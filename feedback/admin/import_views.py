"""Admin: import conversations from a CSV file, dry run first, with a report per row.

The upload is saved and imported by a background thread (feedback.integrations.import_jobs);
the run page shows its progress and refreshes itself (a `Refresh` header: no
script needed) until the run is done.
"""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from feedback.admin import bp
from feedback.admin.forms import ConfirmForm
from feedback.core import audit, navigation
from feedback.core.extensions import csrf, db
from feedback.integrations import csv_import as engagement_import
from feedback.integrations import csv_rows, import_jobs
from feedback.models import ImportRejection, ImportRun, ImportStatus, Role

navigation.add(Role.ADMIN, "admin.imports", "Import", order=45)

#: Uploads may be larger than other requests (MAX_CONTENT_LENGTH): 100,000 rows is ~10 MB.
DEFAULT_UPLOAD_LIMIT = 64 * 1024 * 1024
REJECTIONS_SHOWN = 100


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    dry_run = BooleanField("Dry run: check the file and report, store nothing", default=True)


# One optional "which column is this?" box per field; empty means "guess from the header".
for _field, _label in csv_rows.LABELS.items():
    setattr(ImportForm, f"map_{_field}", StringField(
        _label, validators=[Optional(), Length(max=200)],
        description=f"Header names we recognise: {', '.join(csv_rows.SYNONYMS[_field][:4])}"))


def _overrides(form: ImportForm) -> dict[str, str]:
    return {field: getattr(form, f"map_{field}").data.strip() for field in csv_rows.LABELS
            if (getattr(form, f"map_{field}").data or "").strip()}


def _recent_runs() -> list[ImportRun]:
    return list(db.session.execute(
        select(ImportRun).order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(20)
    ).scalars())


# CSRF is checked by ImportForm itself, after the larger upload limit applies; the
# app-wide check would read the body first, under the small default limit.
@bp.route("/imports", methods=["GET", "POST"])
@csrf.exempt
def imports():
    request.max_content_length = current_app.config.get("IMPORT_MAX_BYTES",
                                                        DEFAULT_UPLOAD_LIMIT)
    form = ImportForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            run = _start(form)
            if run is not None:
                return redirect(url_for("admin.import_run", run_id=run.id), code=303)
        elif form.csrf_token.errors:
            abort(400)
        status = 422
    return render_template("admin/imports.html", form=form, runs=_recent_runs(),
                           fields=list(csv_rows.LABELS), stale=import_jobs.looks_stale), status


def _start(form: ImportForm) -> ImportRun | None:
    upload = form.file.data
    try:
        _, mapping = engagement_import.read_mapping(upload.stream, _overrides(form))
    except engagement_import.MappingError as error:
        form.file.errors.append(str(error))
        return None
    upload.stream.seek(0)
    run = engagement_import.create_run(
        db.session, filename=PurePath(upload.filename or "upload.csv").name,
        mapping=mapping, dry_run=form.dry_run.data, created_by=current_user)
    db.session.commit()
    app = current_app._get_current_object()
    import_jobs.save_upload(app.instance_path, run.id, upload.stream)
    import_jobs.forget_old_files(app.instance_path)
    import_jobs.start(app, run.id)
    return run


def _run_or_404(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id) if run_id < 2**31 else None
    if run is None:
        abort(404)
    return run


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):
    run = _run_or_404(run_id)
    rejections = list(db.session.execute(
        select(ImportRejection).where(ImportRejection.run_id == run.id)
        .order_by(ImportRejection.row_number, ImportRejection.id).limit(REJECTIONS_SHOWN)
    ).scalars())
    stale = import_jobs.looks_stale(run)
    working = run.status in (ImportStatus.PENDING, ImportStatus.RUNNING) and not stale
    can_confirm = (run.dry_run and run.status is ImportStatus.DONE and
                   import_jobs.file_for(current_app.instance_path, run.id).exists())
    response = Response(render_template(
        "admin/imports_run.html", run=run, rejections=rejections, working=working, stale=stale,
        shown=REJECTIONS_SHOWN, can_confirm=can_confirm, confirm_form=ConfirmForm(),
        chunk=engagement_import.CHUNK))
    if working:
        response.headers["Refresh"] = "2"  # no-JS progress: the browser reloads the page
    return response


@bp.post("/imports/<int:run_id>/confirm")
def import_confirm(run_id: int):
    dry = _run_or_404(run_id)
    if not ConfirmForm().validate_on_submit() or not dry.dry_run:
        abort(400)
    app = current_app._get_current_object()
    run = engagement_import.create_run(db.session, filename=dry.filename, mapping=dry.mapping,
                                       dry_run=False, created_by=current_user)
    if not import_jobs.hand_over(app.instance_path, dry.id, run.id):
        db.session.rollback()
        flash("That file is no longer kept. Please upload it again.", "info")
        return redirect(url_for("admin.imports"))
    db.session.commit()
    import_jobs.start(app, run.id)
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


@bp.get("/imports/<int:run_id>/rejections.csv")
def import_rejections(run_id: int):
    run = _run_or_404(run_id)
    audit.record(db.session, current_user, "import.rejections_download",
                 subject_type="import_run", subject_id=run.id, rows=run.rows_rejected)
    db.session.commit()
    return Response(
        stream_with_context(csv_rows.rejections_csv(db.session, run.id)),
        mimetype="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="import-{run.id}-rejected-rows.csv"'})
