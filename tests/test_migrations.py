"""Alembic: one head, up and down cleanly, and the head matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from feedback import ROOT, create_app
from feedback.config import TestingConfig
from feedback.core.extensions import db


def test_single_head():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; merge them"


def test_upgrade_downgrade_upgrade_matches_models(empty_database_uri, tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_uri,
                     INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "engagements", "invitations", "responses", "survey_tokens"} <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        db.engine.dispose()
