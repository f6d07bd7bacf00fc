"""flask commands for running the system: `purge` (retention).

Run `flask --app wsgi purge` daily from cron (or a systemd timer); it is idempotent.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from feedback.accounts import sessions as staff_sessions
from feedback.accounts import signin
from feedback.core.extensions import db
from feedback.delivery import retention


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Erase comments, notes and links older than RETENTION_DAYS (default 730)."""
    days = int(current_app.config.get("RETENTION_DAYS", retention.DEFAULT_RETENTION_DAYS))
    try:
        result = retention.purge(db.session, retention_days=days)
    except retention.RetentionTooShort as exc:
        raise click.ClickException(str(exc)) from exc
    # Expired sign-ins are already refused; this only tidies their rows away.
    sessions = staff_sessions.purge_expired(db.session, signin.timeouts())
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would erase" if dry_run else "erased"
    counts = ", ".join(f"{name.replace('_', ' ')}: {count}"
                       for name, count in result.as_dict().items())
    click.echo(f"retention {days} days; {verb} {counts}; expired staff sessions: {sessions}")
