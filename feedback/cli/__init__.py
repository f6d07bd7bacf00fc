"""flask commands: demo, worker, send-due, create-admin."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import click
from flask import Flask, current_app

from feedback.accounts import passwords as accounts
from feedback.cli import demo_data as demo
from feedback.core.extensions import db
from feedback.delivery.worker import (
    StoppedWaiting,
    StopSignal,
    WorkerLocked,
    run_forever,
    send_due,
    worker_lock,
)
from feedback.models import Role
from feedback.team import rollups


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(send_due_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(refresh_rollups_command)
    # Each area adds its own commands.
    from feedback.cli import digests as cli_digest
    from feedback.cli import imports as cli_import
    from feedback.cli import retention as cli_admin

    cli_digest.init_app(app)
    cli_admin.init_app(app)
    cli_import.init_app(app)


@click.command("demo")
def demo_command() -> None:
    """Load the demo organisation (once; running it again changes nothing)."""
    created = demo.load(db.session)
    db.session.commit()
    if created:
        click.echo("Demo organisation created.")
    else:
        click.echo("Demo organisation already present.")
    click.echo(demo.logins_text())


@click.command("send-due")
def send_due_command() -> None:
    """Send every invitation that is due now, once, and exit."""
    app = current_app._get_current_object()
    try:
        with StopSignal() as stop, _stopped_by_signals(stop), \
                worker_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
            # Stopped, it finishes the message in flight and gives the rest back.
            result = send_due(app, should_stop=stop.is_set)
    except WorkerLocked as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}, "
               f"skipped {result.skipped}, expired {result.expired}")


@click.command("worker")
@click.option("--wait", is_flag=True, help="On SQLite, wait for a running worker to stop.")
def worker_command(wait: bool) -> None:
    """Send due invitations in a loop until stopped (SIGTERM or Ctrl-C finish cleanly).

    Stopping ends a sleep or a wait for the lock at once; mid-batch, the message in
    flight is finished and the rest given back, then the process exits with status 0.
    """
    app = current_app._get_current_object()
    with StopSignal() as stop, _stopped_by_signals(stop):
        try:
            with worker_lock(app.config["SQLALCHEMY_DATABASE_URI"], wait=wait, stop=stop,
                             on_wait=lambda: click.echo("another worker is sending from this "
                                                        "database; waiting for it to stop")):
                click.echo("worker running; Ctrl-C to stop")
                run_forever(app, stop)
        except WorkerLocked as exc:
            raise click.ClickException(f"{exc}. Pass --wait to wait for it.") from exc
        except StoppedWaiting:
            click.echo("worker stopped before its turn came; nothing was sent")


@contextmanager
def _stopped_by_signals(stop: StopSignal):
    """SIGTERM and SIGINT set `stop` (a handler that only sets a flag) while inside."""
    signums = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an admin account."""
    try:
        accounts.create_user(db.session, email=email, name=name, role=Role.ADMIN,
                             password=password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Admin {email} created.")


@click.command("refresh-rollups")
@click.option("--team", "team_id", type=int, help="Only this team.")
def refresh_rollups_command(team_id: int | None) -> None:
    """Count the team-trend rollups again from the answers (after a restore or repair)."""
    rows = rollups.rebuild(db.session, team_id=team_id)
    db.session.commit()
    click.echo(f"{rows} rollup rows counted.")
