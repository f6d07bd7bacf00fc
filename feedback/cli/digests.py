"""`flask send-digests`: email each salesperson their own new feedback, once a week.

Run it from cron (say, Monday morning). Running it again in the same week sends
nothing twice: each person's digest is claimed (users.last_digest_at) and committed
before it is sent, and given back if the relay refuses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from feedback.admin.delivery_report import failure_kind
from feedback.coaching import digest
from feedback.core import clock
from feedback.core import settings as app_settings
from feedback.core.extensions import db
from feedback.delivery.transport import SendFailure, open_transport
from feedback.models import User

log = logging.getLogger(__name__)


@dataclass
class DigestRun:
    sent: int = 0
    nothing_new: int = 0
    failed: int = 0


def send_digests(app: Flask, now: datetime | None = None) -> DigestRun:
    """Send this week's digests that are due; each is committed on its own."""
    now = now or clock.now()
    run = DigestRun()
    settings = app_settings.from_config(app.config)
    with app.app_context(), open_transport() as transport:
        session = db.session
        for user_id in [u.id for u in digest.due(session, now)]:
            user = session.get(User, user_id)
            previous = user.last_digest_at
            content = digest.build(session, user, now)
            if content is None:
                run.nothing_new += 1
                continue
            mail = digest.message(content, user, settings, now)
            if not digest.claim(session, user, now):
                session.rollback()
                continue
            session.commit()  # mail after commit: a second run now skips this person
            try:
                transport.send(mail)
            except SendFailure as failure:
                # The reply text can quote the address: log its kind only.
                log.warning("digest for user %s not sent: %s", user_id,
                            failure_kind(failure.reason))
                digest.unclaim(session, user_id, previous, now)
                session.commit()
                run.failed += 1
            else:
                run.sent += 1
        db.session.remove()
    return run


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Send each salesperson the weekly digest of their own new feedback."""
    run = send_digests(current_app._get_current_object())
    click.echo(f"digests sent {run.sent}, nothing new {run.nothing_new}, failed {run.failed}")
    if run.failed:
        # Cron should notice; the failed ones are retried by the next run.
        raise click.ClickException(f"{run.failed} digest(s) not accepted by the mail relay")


def init_app(app: Flask) -> None:
    """Register the command (called from feedback.cli)."""
    app.cli.add_command(send_digests_command)
