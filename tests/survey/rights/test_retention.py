"""Retention: after RETENTION_DAYS the words are gone from every table, the scores stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback.accounts import links as account_links
from feedback.cli.retention import purge_command
from feedback.core import clock
from feedback.core.extensions import db
from feedback.delivery import retention
from feedback.models import (
    AccountLink,
    AuditEvent,
    Customer,
    Invitation,
    Response,
    Role,
    SurveyToken,
)
from feedback.survey import tokens

ADDRESS_IN_ERROR = "quoted.victim@client.example"


def _everything(session) -> str:
    session.expire_all()
    return "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                     for row in session.execute(table.select()))


@pytest.fixture
def history(session, make_user, answered, log_conversation):
    """Two answers with everything written about them, a staff link, a delivery error."""
    seller = make_user()
    given = [answered(seller), answered(seller)]
    failed = log_conversation(seller)
    invitation = session.get(Invitation, failed.invitation.id)
    invitation.last_error = f"550 5.1.1 <{ADDRESS_IN_ERROR}>: no such user"
    admin = make_user(Role.ADMIN)
    account_links.issue(session, make_user(Role.MANAGER, email="new@staff.example"))
    session.commit()
    return {"answers": given, "admin": admin}


def test_nothing_goes_before_retention(session, history):
    result = retention.purge(session, retention_days=730,
                             now=clock.now() + timedelta(days=729))
    session.commit()
    assert sum(result.as_dict().values()) == 0
    held = _everything(session)
    for given in history["answers"]:
        assert all(words in held for words in given.strings)


def test_everything_past_retention_is_gone_from_every_table(session, history):
    later = clock.now() + timedelta(days=731)
    result = retention.purge(session, retention_days=730, now=later)
    session.commit()

    held = _everything(session)
    for given in history["answers"]:
        for words in given.strings:
            assert words not in held, f"{words!r} outlived retention"
    assert ADDRESS_IN_ERROR not in held
    assert result.comments_erased == 2
    assert (result.reflections_deleted, result.coaching_notes_deleted) == (2, 2)
    assert result.survey_tokens_deleted == 2 and result.account_links_deleted == 1
    assert result.delivery_errors_cleared == 1
    # Customers' names and companies go too; the address stays for the do-not-survey list.
    assert result.customer_names_erased == 3
    customers = session.scalars(select(Customer)).all()
    assert {(c.name, c.company) for c in customers} == {("", "")}
    assert all("@" in c.email for c in customers)

    # The scores stay for the trends; the links stop working.
    responses = session.scalars(select(Response)).all()
    assert [(r.respected, r.helped) for r in responses] == [(2, 3), (2, 3)]
    assert not any(r.product_contact_ok for r in responses)
    assert session.scalar(select(func.count(SurveyToken.id))) == 0
    assert session.scalar(select(func.count(AccountLink.id))) == 0
    assert tokens.find_invitation(session, history["answers"][0].token) is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purge")
                            ).one()
    assert event.details["comments_erased"] == 2

    again = retention.purge(session, retention_days=730, now=later)
    assert sum(again.as_dict().values()) == 0  # idempotent


def test_notes_written_recently_about_an_old_answer_go_with_it(session, history):
    # Written 2 years after the answer, but about its words: they go together.
    given = history["answers"][0]
    response = session.get(Response, given.response_id)
    response.submitted_at -= timedelta(days=731)
    session.commit()
    retention.purge(session, retention_days=730)
    session.commit()
    held = _everything(session)
    assert given.words["reflection"] not in held
    assert given.words["coaching_note"] not in held
    assert history["answers"][1].words["reflection"] in held


def test_a_retention_shorter_than_any_link_is_refused(session):
    with pytest.raises(retention.RetentionTooShort):
        retention.purge(session, retention_days=30)


def test_the_purge_command(app, session, history):
    given = history["answers"][0]
    response = session.get(Response, given.response_id)
    response.submitted_at = clock.now() - timedelta(days=800)
    session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(purge_command, ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would erase comments erased: 1" in dry.output
    assert given.words["improve_comment"] in _everything(session)

    done = runner.invoke(purge_command, [])
    assert done.exit_code == 0, done.output
    assert "retention 730 days; erased comments erased: 1" in done.output
    assert given.words["improve_comment"] not in _everything(session)
    assert history["answers"][1].words["improve_comment"] in _everything(session)

    configured = app.config["RETENTION_DAYS"]
    app.config["RETENTION_DAYS"] = 10
    try:
        refused = runner.invoke(purge_command, [])
    finally:
        app.config["RETENTION_DAYS"] = configured
    assert refused.exit_code != 0 and "at least 90" in refused.output


def test_a_customer_met_again_recently_keeps_their_name(session, history, log_conversation,
                                                       make_user):
    """Only customers with no conversation inside the retention window lose their name."""
    later = clock.now() + timedelta(days=731)
    returning = session.scalars(select(Customer).order_by(Customer.id)).first()
    again = log_conversation(make_user(), email=returning.email, name="Casey Again")
    again.created_at = later - timedelta(days=1)  # logged two years on
    session.commit()
    retention.purge(session, retention_days=730, now=later)
    session.commit()
    session.expire_all()
    names = {c.email: c.name for c in session.scalars(select(Customer))}
    assert names[returning.email] == "Casey Again"
    assert sorted(names.values()) == ["", "", "Casey Again"]
