"""Migration 0003 fills responses.month_start and counts existing answers into rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import MetaData, select, text

from feedback import create_app
from feedback.config import TestingConfig
from feedback.core.extensions import db


def _seed(conn, tables) -> None:
    """At revision 0002: one team, one salesperson, four conversations late on 31 January
    (a week that runs into February): two answered (one released), one sent without an
    answer, one never sent."""
    late = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)
    conn.execute(tables["teams"].insert().values(id=1, name="North", created_at=late))
    conn.execute(tables["users"].insert().values(
        id=1, email="ana@staff.example", name="Ana", role="salesperson", team_id=1,
        active=True, weekly_digest=True, created_at=late))
    for i, (sent, answered, released) in enumerate(
            [(True, True, True), (True, True, False), (True, False, False),
             (False, False, False)], start=1):
        conn.execute(tables["customers"].insert().values(
            id=i, email=f"c{i}@client.example", email_domain="client.example", name="C",
            company="", created_at=late))
        conn.execute(tables["engagements"].insert().values(
            id=i, salesperson_id=1, team_id=1, customer_id=i, occurred_at=late, kind="call",
            source="ui", created_at=late))
        conn.execute(tables["invitations"].insert().values(
            id=i, engagement_id=i, status="answered" if answered else "sent", attempts=1,
            first_sent_at=late + timedelta(hours=2) if sent else None, created_at=late))
        if answered:
            conn.execute(tables["responses"].insert().values(
                id=i, invitation_id=i, salesperson_id=1, team_id=1,
                week_start=date(2025, 1, 27), respected=4, helped=2, pressure="a_little",
                doubtful_promise=False, promise_note="", improve_comment="",
                product_comment="", product_contact_ok=False, reveal_identity=False,
                released_at=late + timedelta(days=1) if released else None,
                submitted_at=late, updated_at=late))


def test_existing_answers_are_counted(empty_database_uri, tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_uri,
                     INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade(revision="0002")
        tables = MetaData()
        tables.reflect(bind=db.engine)
        with db.engine.begin() as conn:
            _seed(conn, tables.tables)
        upgrade(revision="0003")
        with db.engine.connect() as conn:
            months = conn.execute(text("SELECT month_start FROM responses")).scalars().all()
            rollups = MetaData()
            rollups.reflect(bind=conn, only=["response_rollups"])
            table = rollups.tables["response_rollups"]
            rows = conn.execute(select(
                table.c.team_id, table.c.week_start, table.c.month_start,
                table.c.salesperson_id, table.c.sent, table.c.answers, table.c.respected_yes,
                table.c.helped_yes, table.c.pressured)).all()
        db.engine.dispose()
    assert [str(m) for m in months] == ["2025-01-01", "2025-01-01"]
    assert [tuple(map(str, row)) for row in rows] == [
        ("1", "2025-01-27", "2025-01-01", "1", "3", "1", "1", "0", "1")]
