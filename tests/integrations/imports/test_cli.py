"""flask import-engagements, create-api-key and revoke-api-key."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.cli.imports import (
    create_api_key_command,
    import_engagements_command,
    revoke_api_key_command,
)
from feedback.models import ApiKey, Engagement
from tests.integrations.imports.conftest import csv_bytes, recent


def test_import_command_dry_run_then_real(app, session, tmp_path, seller):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([
        ["q1", seller.email, "kim@client.example", "Kim", "", recent(), "call"],
        ["q2", seller.email, "broken", "X", "", recent(), "call"]]))
    runner = app.test_cli_runner()
    dry = runner.invoke(import_engagements_command, [str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 rows: would create 1" in dry.output
    assert "rejected 1" in dry.output
    assert session.scalar(select(func.count(Engagement.id))) == 0
    report = tmp_path / "rejected.csv"
    real = runner.invoke(import_engagements_command, [str(path), "--rejections", str(report)])
    assert real.exit_code == 0, real.output
    assert "Done: 2 rows: created 1" in real.output
    assert report.read_text().splitlines()[1] == "3,Email,That email address does not look right."
    assert session.scalar(select(func.count(Engagement.id))) == 1


def test_import_command_maps_columns_and_explains_missing_ones(app, tmp_path, seller):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes([[seller.email, "kim@client.example", recent()]],
                               header=["Rep", "Address", "Moment"]))
    runner = app.test_cli_runner()
    refused = runner.invoke(import_engagements_command, [str(path)])
    assert refused.exit_code != 0 and "No column found for" in refused.output
    mapped = runner.invoke(import_engagements_command, [
        str(path), "--map", "salesperson_email=Rep", "--map", "customer_email=Address",
        "--map", "occurred_at=Moment"])
    assert mapped.exit_code == 0, mapped.output
    assert "created 1" in mapped.output


def test_create_and_revoke_an_api_key(app, session, client):
    runner = app.test_cli_runner()
    made = runner.invoke(create_api_key_command, ["--name", "Acme CRM", "--scope",
                                                  "engagements:read"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/engagements?external_id=x", headers=headers).status_code == 404
    prefix = session.scalar(select(ApiKey.prefix))
    revoked = runner.invoke(revoke_api_key_command, [prefix])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/engagements?external_id=x", headers=headers).status_code == 401
    assert runner.invoke(revoke_api_key_command, ["fbk_nothere"]).exit_code != 0
