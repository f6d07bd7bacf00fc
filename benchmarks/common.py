"""What both benchmarks share: a throwaway database, migrations, seeding, printing.

Every run gets its own database (a SQLite file in a temporary folder, or a
PostgreSQL database called feedback_bench_<random>) and drops it at the end,
whatever happened in between.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str  # SQLAlchemy URL of the throwaway database
    folder: Path  # a temporary folder for this run (instance dir, logs, lock files)


@contextmanager
def throwaway_database(kind: str) -> Iterator[Database]:
    """A fresh, empty database of `kind`, dropped (or deleted) on the way out."""
    folder = Path(tempfile.mkdtemp(prefix=f"feedback_bench_{kind}_"))
    try:
        if kind == "sqlite":
            yield Database(kind, f"sqlite:///{folder / 'feedback.db'}", folder)
            return
        name = f"feedback_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            yield Database(kind, url, folder)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def app_env(database: Database, **extra: str) -> dict[str, str]:
    """Environment for the real app as production runs it (FEEDBACK_ENV=production)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBACK_", "MAIL_"))}
    env.update(
        FEEDBACK_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        BASE_URL="https://feedback.bench.test",
        DATABASE_URL=database.url,
        FEEDBACK_INSTANCE_DIR=str(database.folder),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def migrate(database: Database) -> None:
    """`flask --app wsgi db upgrade`, exactly as an operator would run it."""
    flask = str(Path(PYTHON).with_name("flask"))
    done = subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                          env=app_env(database), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"db upgrade failed:\n{done.stderr[-3000:]}")


def make_app(database: Database, **overrides):
    """An in-process app on the throwaway database (for seeding and for the worker)."""
    saved = dict(os.environ)
    os.environ.update(app_env(database))
    try:
        # config.py reads the environment when imported; import it afresh for this database.
        for module in ("config", "feedback.config"):
            sys.modules.pop(module, None)
        from feedback import create_app
        from feedback.config import ProductionConfig

        return create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database.url,
                          INSTANCE_DIR=str(database.folder), **overrides)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def seed_invitations(app, count: int, *, status: str, salespeople: int = 1) -> list[str]:
    """`count` invitations from `salespeople` salespeople; returns raw tokens if sent.

    status="sent": first sent an hour ago, link open for 14 days, one known token each
    (what the worker leaves behind). status="scheduled": due now, no token yet.
    Rows go in with bulk INSERTs; the services would take minutes for 20,000 rows.
    """
    from feedback.accounts import passwords as accounts
    from feedback.core.extensions import db
    from feedback.models import Customer, Engagement, Invitation, Role, SurveyToken, Team
    from feedback.survey import tokens

    now = datetime.now(UTC)
    raw_tokens: list[str] = []
    with app.app_context():
        session = db.session
        team = Team(name=f"Bench team {uuid.uuid4().hex[:6]}")
        session.add(team)
        people = [
            accounts.create_user(session, email=f"seller{i}.{uuid.uuid4().hex[:6]}@staff.example",
                                 name=f"Ana{i} Seller", role=Role.SALESPERSON, team=team)
            for i in range(salespeople)
        ]
        session.flush()
        tag = uuid.uuid4().hex[:6]
        customer_ids = session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [{"email": f"customer{i}.{tag}@client.example", "email_domain": "client.example",
              "name": f"Casey{i} Customer", "company": "Client Co", "created_at": now}
             for i in range(count)],
        ).all()
        engagement_ids = session.scalars(
            insert(Engagement).returning(Engagement.id, sort_by_parameter_order=True),
            [{"salesperson_id": people[i % salespeople].id, "team_id": team.id,
              "customer_id": cid, "occurred_at": now - timedelta(hours=3), "kind": "call",
              "source": "ui", "created_at": now}
             for i, cid in enumerate(customer_ids)],
        ).all()
        if status == "sent":
            sent = {"status": "sent", "send_at": now + timedelta(days=3),
                    "first_sent_at": now - timedelta(hours=1),
                    "sent_at": now - timedelta(hours=1), "attempts": 1,
                    "first_attempt_at": now - timedelta(hours=1),
                    "expires_at": now + timedelta(days=14)}
        else:
            sent = {"status": "scheduled", "send_at": now - timedelta(minutes=1),
                    "first_sent_at": None, "sent_at": None, "attempts": 0,
                    "first_attempt_at": None, "expires_at": None}
        invitation_ids = session.scalars(
            insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
            [{"engagement_id": eid, "created_at": now, **sent} for eid in engagement_ids],
        ).all()
        if status == "sent":
            raw_tokens = [secrets.token_urlsafe(tokens.TOKEN_BYTES) for _ in invitation_ids]
            session.execute(insert(SurveyToken), [
                {"invitation_id": iid, "token_hash": tokens.hash_token(raw), "created_at": now}
                for iid, raw in zip(invitation_ids, raw_tokens, strict=True)])
        session.commit()
        db.session.remove()
        db.engine.dispose()
    return raw_tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline else float("nan")


def verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "MISS"
