"""scheduling_batch.log_engagements decides exactly what log_engagement one by one decides.

Random sequences of conversations over a small world (a staff address, an internal
domain, a suppression, a per-company cap, old and future dates, several offsets)
are logged both ways from the same starting state; outcomes and customer rows match.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.core.errors import InvalidEngagement
from feedback.delivery import scheduling
from feedback.delivery import scheduling_in_bulk as scheduling_batch
from feedback.delivery.scheduling import ConversationInput
from feedback.models import Customer, EngagementKind, EngagementSource, SuppressionReason
from feedback.survey import do_not_survey as suppressions

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EMAILS = ["kim@client.example", "lee@client.example", "sam@client.example", "max@other.example",
          "pat@client.example",
          "ana@staff.example", "ops@inside.example", "bad-address"]
OFFSETS = [UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=9))]

conversations = st.lists(st.tuples(
    st.integers(0, 1),                                  # which salesperson
    st.sampled_from(EMAILS),
    st.integers(-2 * 24, 20 * 24),                      # hours before NOW (negative: future)
    st.sampled_from(OFFSETS),
    st.sampled_from(list(EngagementKind)),
    st.sampled_from(["", "Kim K", "  "]),
    st.sampled_from(["", "Client Co"]),
), max_size=12)


@pytest.fixture
def world(session, settings, make_user, make_team):
    team = make_team()
    sellers = [make_user(team=team, email="ana@staff.example"), make_user(team=team)]
    suppressions.suppress(session, "pat@client.example", SuppressionReason.MANUAL)
    session.commit()
    rules = dataclasses.replace(settings, company_cap=2,
                                internal_domains=frozenset({"inside.example"}))
    return sellers, rules


def _items(sellers, drawn):
    return [(sellers[who], ConversationInput(
        customer_email=email, customer_name=name, company=company, kind=kind,
        occurred_at=(NOW - timedelta(hours=hours)).astimezone(offset)))
        for who, email, hours, offset, kind, name, company in drawn]


def _outcome(result) -> tuple:
    if isinstance(result, InvalidEngagement):
        return ("invalid", result.field, str(result))
    if isinstance(result, scheduling_batch.Logged):
        return (result.status, result.skip_reason)
    return (result.invitation.status, result.invitation.skip_reason)


def _customers(session) -> list[tuple]:
    session.expire_all()
    return sorted(session.execute(select(Customer.email, Customer.name, Customer.company)).all())


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(before=conversations, drawn=conversations)
def test_batch_and_one_by_one_agree(session, world, before, drawn):
    sellers, rules = world
    outer = session.begin_nested()
    for salesperson, conversation in _items(sellers, before):  # some history to prefetch
        try:
            scheduling.log_engagement(session, salesperson, conversation, rules,
                                      now=NOW - timedelta(days=1))
        except InvalidEngagement:
            pass
    items = _items(sellers, drawn)

    one = session.begin_nested()
    single = []
    for salesperson, conversation in items:
        try:
            single.append(scheduling.log_engagement(session, salesperson, conversation, rules,
                                                    source=EngagementSource.CSV, now=NOW))
        except InvalidEngagement as error:
            single.append(error)
    single = [_outcome(r) for r in single]
    single_customers = _customers(session)
    one.rollback()

    many = session.begin_nested()
    batch = scheduling_batch.log_engagements(session, items, rules,
                                             source=EngagementSource.CSV, now=NOW)
    batch = [_outcome(r) for r in batch]
    batch_customers = _customers(session)
    many.rollback()
    outer.rollback()

    assert batch == single
    assert batch_customers == single_customers
