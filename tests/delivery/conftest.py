"""Fixtures for the outbox tests: a clock we move by hand, passes of the worker driven at
chosen times against the real SMTP server, and bulk-made due invitations."""

from __future__ import annotations

import os
import re
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from feedback.core.settings import Settings
from feedback.delivery import outbox as delivery
from feedback.delivery.transport import SmtpTransport
from feedback.models import (
    Customer,
    Engagement,
    EngagementKind,
    EngagementSource,
    Invitation,
    InvitationStatus,
    User,
)
from tests.smtp import Received

ROOT = Path(__file__).resolve().parents[2]

#: Every link the email carries, in either part.
URL = re.compile(r"https://feedback\.test/[^\s\"<>]*")


@pytest.fixture
def start() -> datetime:
    """A moment to start the clock at: now, to the second (links stay open for real requests)."""
    return datetime.now(UTC).replace(microsecond=0)


class Outbox:
    """Passes of the real worker at chosen times, over the real SMTP transport."""

    def __init__(self, app, session: Session, settings: Settings):
        self.app = app
        self.session = session
        self.settings = settings
        #: Passes run by drain(), to show how hard the worker had to work.
        self.passes = 0

    def run(self, at: datetime, *, settings: Settings | None = None,
            worker_id: str = "test-worker") -> delivery.PassResult:
        """One pass of the worker with the clock held at `at`."""
        with self.app.app_context(), SmtpTransport() as transport:
            return delivery.run_pass(self.session, transport, worker_id=worker_id,
                                     settings=settings or self.settings, now=lambda: at)

    def drain(self, start: datetime, *, until: datetime | None = None,
              step: timedelta = timedelta(minutes=1),
              settings: Settings | None = None) -> datetime:
        """Run passes from `start` as `flask worker` does: again at once after a pass that
        settled something, else after moving the clock by `step`; until nothing is waiting
        to be sent (or the clock passes `until`). Returns the time it stopped at."""
        at = start
        with self.app.app_context(), SmtpTransport() as transport:
            while True:
                result = delivery.run_pass(self.session, transport, worker_id="test-worker",
                                           settings=settings or self.settings,
                                           now=lambda at=at: at)
                self.passes += 1
                if result.sent + result.skipped + result.failed:
                    continue
                if until is None and not self.waiting():
                    return at
                at += step
                if until is not None and at > until:
                    return at - step

    def waiting(self) -> int:
        """Invitations whose first email has not gone out (or been given up) yet."""
        return self.session.scalar(
            select(func.count(Invitation.id)).where(Invitation.status.in_(
                [InvitationStatus.SCHEDULED, InvitationStatus.SENDING]))
        )

    def statuses(self) -> dict[InvitationStatus, int]:
        return dict(self.session.execute(
            select(Invitation.status, func.count(Invitation.id)).group_by(Invitation.status)
        ).all())


@pytest.fixture
def outbox(app, session, settings) -> Outbox:
    return Outbox(app, session, settings)


@pytest.fixture
def make_due(session):
    """make_due(salesperson, count, send_at=...) -> invitation ids: bulk-inserted, committed
    invitations, each to a distinct customer, as the scheduling service would leave them."""

    def make(salesperson: User, count: int, *, send_at: datetime) -> list[int]:
        tag = uuid.uuid4().hex[:6]
        customer_ids = session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [{"email": f"c{i}.{tag}@bulk.example", "email_domain": "bulk.example",
              "name": f"Customer {i}", "company": "Bulk"} for i in range(count)],
        ).all()
        engagement_ids = session.scalars(
            insert(Engagement).returning(Engagement.id, sort_by_parameter_order=True),
            [{"salesperson_id": salesperson.id, "team_id": salesperson.team_id,
              "customer_id": customer_id, "occurred_at": send_at - timedelta(hours=2),
              "kind": EngagementKind.CALL, "source": EngagementSource.API}
             for customer_id in customer_ids],
        ).all()
        invitation_ids = session.scalars(
            insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
            [{"engagement_id": engagement_id, "status": InvitationStatus.SCHEDULED,
              "send_at": send_at, "attempts": 0} for engagement_id in engagement_ids],
        ).all()
        session.commit()
        return list(invitation_ids)

    return make


def links_in(received: Received) -> list[str]:
    """Every https link in the email: both parts, then the List-Unsubscribe header."""
    mail = received.message
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content().replace("&amp;", "&")
    found = URL.findall(text) + URL.findall(html) + URL.findall(mail["List-Unsubscribe"])
    return list(dict.fromkeys(found))


def path_of(url: str) -> str:
    """The part of a link the test client requests."""
    return url.removeprefix("https://feedback.test")


@pytest.fixture
def worker_env(database_uri, smtp_server, tmp_path) -> dict[str, str]:
    """Environment for a `flask --app wsgi ...` subprocess on the test database and server."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MAIL_", "WORKER_", "FLASK_"))}
    env.update(FEEDBACK_ENV="testing", DATABASE_URL=database_uri,
               MAIL_SERVER=smtp_server.host, MAIL_PORT=str(smtp_server.port),
               FEEDBACK_INSTANCE_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    return env


def flask_command(*args: str) -> list[str]:
    """The command line that runs `flask --app wsgi <args>` with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


@pytest.fixture
def log_file(tmp_path) -> Path:
    """A file for a subprocess's output (a pipe nobody reads could fill up and block it)."""
    return tmp_path / "worker.log"
