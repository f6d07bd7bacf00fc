"""flask commands for integrations: import-engagements, create-api-key, revoke-api-key."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from feedback.core import settings
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.integrations import api_keys, csv_rows
from feedback.integrations import csv_import as engagement_import
from feedback.models import ApiKey, ApiScope, ImportRun


def init_app(app: Flask) -> None:
    app.cli.add_command(import_engagements_command)
    app.cli.add_command(create_api_key_command)
    app.cli.add_command(revoke_api_key_command)


def _mapping_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not field=header", param_hint="--map")
        overrides[field.strip()] = header.strip()
    return overrides


def _summary(run: ImportRun) -> str:
    verb = "would create" if run.dry_run else "created"
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(run.skip_reasons.items()))
    return (f"{run.rows_total} rows: {verb} {run.rows_created} (survey scheduled "
            f"{run.rows_scheduled}{', skipped: ' + skipped if skipped else ''}), "
            f"already there {run.rows_unchanged}, rejected {run.rows_rejected}")


@click.command("import-engagements")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would happen; store nothing.")
@click.option("--map", "pairs", multiple=True, metavar="FIELD=HEADER",
              help="Use the column HEADER for FIELD (e.g. customer_email='E-mail'); "
                   "FIELD= ignores a column. Fields: " + ", ".join(csv_rows.SYNONYMS))
@click.option("--rejections", "rejections_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rejected rows report (row, column, reason) to this CSV file.")
def import_engagements_command(file: Path, dry_run: bool, pairs: tuple[str, ...],
                               rejections_out: Path | None) -> None:
    """Import conversations from a CSV file (re-importing the same file is harmless)."""
    overrides = _mapping_overrides(pairs)
    try:
        with file.open("rb") as binary:
            _, mapping = engagement_import.read_mapping(binary, overrides)
    except engagement_import.MappingError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Columns: " + ", ".join(f"{field} <- {header!r}"
                                        for field, header in mapping.items()))
    run = engagement_import.create_run(db.session, filename=file.name, mapping=mapping,
                                       dry_run=dry_run)
    db.session.commit()
    try:
        with file.open("rb") as binary:
            engagement_import.execute(
                db.session, run, binary, settings.current(), commit=db.session.commit,
                progress=lambda r: click.echo(f"  ... {_summary(r)}", err=True))
    except Exception as exc:
        db.session.rollback()
        engagement_import.mark_failed(db.session, run.id, "stopped by an error; "
                                      "importing again is safe")
        db.session.commit()
        if isinstance(exc, engagement_import.MappingError):
            raise click.ClickException(str(exc)) from exc
        raise
    click.echo(("Dry run: " if dry_run else "Done: ") + _summary(run))
    if rejections_out is not None:
        with rejections_out.open("w", newline="", encoding="utf-8") as out:
            out.writelines(csv_rows.rejections_csv(db.session, run.id))
        click.echo(f"Rejected rows written to {rejections_out}")
    elif run.rows_rejected:
        click.echo("Pass --rejections FILE to get the rejected rows with reasons.")


@click.command("create-api-key")
@with_appcontext
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'Acme CRM'.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice([s.value for s in ApiScope]), help="Repeat for several.")
def create_api_key_command(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it once (only its hash is kept)."""
    try:
        key, secret = api_keys.create(db.session, name=name, scopes=scopes)
    except api_keys.ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Key {key.prefix} ({key.name}; {', '.join(key.scopes)}). Copy it now; "
               "it is not shown again:", err=True)
    click.echo(secret)


@click.command("revoke-api-key")
@with_appcontext
@click.argument("prefix")
def revoke_api_key_command(prefix: str) -> None:
    """Revoke the API key with this prefix (e.g. fbk_3f9a1c0d)."""
    key = db.session.execute(
        db.select(ApiKey).where(ApiKey.prefix == prefix)
    ).scalar_one_or_none()
    try:
        api_keys.revoke(db.session, key.id if key else -1)
    except NotVisible as exc:
        raise click.ClickException(f"No key has the prefix {prefix}.") from exc
    db.session.commit()
    click.echo(f"Key {prefix} revoked.")
