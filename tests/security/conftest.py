"""A small organisation whose rows belong to different people, browsers signed in as each
kind of visitor, and helpers to compare responses and whole databases byte for byte."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from feedback.accounts import links as account_links
from feedback.accounts import sessions as staff_sessions
from feedback.core.extensions import db
from feedback.delivery.scheduling import ConversationInput
from feedback.integrations import api_keys, intake
from feedback.integrations import csv_import as engagement_import
from feedback.models import (
    CoachingNote,
    EngagementKind,
    EngagementSource,
    ImportStatus,
    Invitation,
    Reflection,
    Role,
    Share,
    ShareScope,
    StaffSession,
    SuppressionReason,
    User,
)
from feedback.survey import do_not_survey as suppressions
from tests.coaching.helpers import released_answer
from tests.conftest import Auth, csrf_from
from tests.survey.rights.fixtures import answered  # noqa: F401 - a fixture for these tests

ANON, OWNER, TEAMMATE, OUTSIDER = "anonymous", "owner", "teammate", "outsider"
COACH, OTHER_MANAGER, ADMIN, PRODUCT = "coach", "other manager", "admin", "product"
#: Every kind of visitor. The owner is a salesperson whose rows the others try to reach;
#: the teammate sells in the same team, the outsider in another; the coach manages the
#: owner's team and holds the owner's share; the other manager manages the other team.
VISITORS = (ANON, OWNER, TEAMMATE, OUTSIDER, COACH, OTHER_MANAGER, ADMIN, PRODUCT)

#: An id no row has (below 2**31, so it is a valid key on every database).
MISSING_ID = 2_000_000_000

#: Columns that record activity rather than state: reading a page may move them.
ACTIVITY_COLUMNS = {("staff_sessions", "last_seen_at"), ("api_keys", "last_used_at")}


@dataclass
class World:
    """Who is who, and the real ids (one per URL argument) of rows owned by the owner,
    their team, or the admins."""

    users: dict[str, User]
    ids: dict[str, int | str]
    survey_token: str
    link_token: str
    #: The outsider's own share (to the other manager) and the answer in it.
    outsider_share_id: int
    outsider_response_id: int
    api_key: str
    hand_logged_engagement_id: int

    def user(self, who: str) -> User:
        return self.users[who]

    def missing(self) -> dict[str, int | str]:
        """The same URL arguments, pointing at nothing."""
        return {arg: MISSING_ID if isinstance(value, int) else "A" * len(value)
                for arg, value in self.ids.items()}


@pytest.fixture
def world(session, make_user, make_team, survey_link, log_conversation, settings) -> World:
    team, other_team = make_team("Owners"), make_team("Others")
    owner = make_user(team=team, name="Olive Owner")
    teammate = make_user(team=team, name="Tess Teammate")
    outsider = make_user(team=other_team, name="Otto Outsider")
    coach = make_user(Role.MANAGER, name="Cora Coach")
    other_manager = make_user(Role.MANAGER, name="Omar Othermanager")
    admin = make_user(Role.ADMIN, name="Ada Admin")
    product = make_user(Role.PRODUCT, name="Pia Product")
    team.managers.append(coach)
    other_team.managers.append(other_manager)

    answer = released_answer(session, owner, comment="OWNER-ONLY comment", commit=False)
    session.add(Reflection(response_id=answer.id, author_id=owner.id, body="OWNER-ONLY thought"))
    share = Share(owner_id=owner.id, coach_id=coach.id, scope=ShareScope.ANSWERS,
                  include_reflections=True)
    share.answers.append(answer)
    session.add(share)
    session.flush()
    session.add(CoachingNote(share_id=share.id, response_id=answer.id, author_id=coach.id,
                             body="OWNER-ONLY note"))
    outsider_answer = released_answer(session, outsider, commit=False)
    outsider_share = Share(owner_id=outsider.id, coach_id=other_manager.id,
                           scope=ShareScope.ANSWERS)
    outsider_share.answers.append(outsider_answer)
    session.add(outsider_share)

    for invitation in session.scalars(select(Invitation).where(
            Invitation.id.in_([answer.invitation_id, outsider_answer.invitation_id]))):
        # Answered means it was sent; the helper leaves that out.
        invitation.first_sent_at = invitation.answered_at - timedelta(hours=1)

    run = engagement_import.create_run(session, filename="crm.csv", mapping={}, dry_run=True,
                                       created_by=admin)
    run.status = ImportStatus.DONE
    key, secret = api_keys.create(session, name="CRM", scopes=["engagements:read"])
    suppression = suppressions.suppress(session, "bounced@client.example",
                                        SuppressionReason.MANUAL)
    from_api = intake.record(session, owner, ConversationInput(
        customer_email="api.customer@client.example", customer_name="Api Customer",
        occurred_at=datetime.now(UTC) - timedelta(hours=3), kind=EngagementKind.CALL,
        company="Client Co",
        external_id="crm-owner-1"), settings, source=EngagementSource.API).engagement
    session.commit()
    hand_logged = log_conversation(owner)
    _, survey_token = survey_link(owner)
    invited = make_user(Role.SALESPERSON, team=team, name="Ivy Invited")
    link = account_links.issue(session, invited)
    # Another browser the owner is signed in on.
    staff_sessions.start(session, owner, user_agent="Owner's phone")
    session.commit()
    users = {OWNER: owner, TEAMMATE: teammate, OUTSIDER: outsider, COACH: coach,
             OTHER_MANAGER: other_manager, ADMIN: admin, PRODUCT: product}
    ids = {"response_id": answer.id, "share_id": share.id, "team_id": team.id,
           "user_id": owner.id, "run_id": run.id, "key_id": key.id,
           "suppression_id": suppression.id, "engagement_id": from_api.id,
           "session_id": session.scalar(select(StaffSession.id)
                                        .where(StaffSession.user_id == owner.id)),
           "token": survey_token}
    return World(users=users, ids=ids, survey_token=survey_token, link_token=link.raw_token,
                 outsider_share_id=outsider_share.id, outsider_response_id=outsider_answer.id,
                 api_key=secret, hand_logged_engagement_id=hand_logged.id)


@pytest.fixture
def browsers(app, world):
    """browsers(who) -> a test client of that visitor's own, signed in (cached per test)."""
    opened: dict[str, object] = {}

    def open_as(who: str):
        if who not in opened:
            client = app.test_client()
            if who != ANON:
                signed_in = Auth(client).login(world.user(who))
                assert signed_in.status_code == 302, f"{who} could not sign in"
            opened[who] = client
        return opened[who]

    return open_as


def csrf_of(client) -> str:
    """A valid CSRF token for this client's session, from the first page it lands on."""
    page = client.get("/", follow_redirects=True)
    return csrf_from(page.text)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table (activity marks aside), in a stable order."""
    with engine.connect() as conn:
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in ACTIVITY_COLUMNS]
            rows[table.name] = sorted((tuple(r) for r in conn.execute(select(*columns))),
                                      key=repr)
        return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


_VOLATILE = (
    (re.compile(rb'(name="csrf_token"[^>]*value=")[^"]*'), rb"\1<csrf>"),
    (re.compile(rb'(value=")[^"]*("[^>]*name="csrf_token")'), rb"\1<csrf>\2"),
    (re.compile(rb'nonce="[^"]*"'), b'nonce="<nonce>"'),
    (re.compile(rb"'nonce-[^']*'"), b"'nonce-<nonce>'"),
)
#: Headers whose values are per request by design (the rate-limit counters, the cookie
#: that carries the session); their presence is still compared.
_PER_REQUEST_HEADERS = {"set-cookie", "x-ratelimit-remaining", "x-ratelimit-reset",
                        "retry-after", "date"}


def _spellings(text: str) -> list[bytes]:
    forms = {text, quote(text, safe="/"), quote(text, safe=""), quote(text),
             html.escape(text), html.escape(quote(text, safe="")),
             html.escape(quote(text, safe="/"))}
    return sorted((f.encode() for f in forms), key=len, reverse=True)


def normalised(response, *replace: tuple[str, str]) -> tuple:
    """(status, headers, body) with CSRF values, nonces and per-request headers blanked,
    and each (text, placeholder) in `replace` swapped in any spelling it may take."""
    body = response.get_data()
    headers = []
    for name, value in response.headers.items():
        value = value.encode("latin-1")
        if name.lower() in _PER_REQUEST_HEADERS:
            value = value.split(b"=", 1)[0] if name.lower() == "set-cookie" else b"<varies>"
        headers.append((name.lower(), value))
    for text, placeholder in replace:
        for spelling in _spellings(text):
            body = body.replace(spelling, placeholder.encode())
            headers = [(n, v.replace(spelling, placeholder.encode())) for n, v in headers]
    for pattern, blank in _VOLATILE:
        body = pattern.sub(blank, body)
        headers = [(n, pattern.sub(blank, v)) for n, v in headers]
    if replace:
        # The placeholder can be shorter or longer than what it replaced.
        headers = [(n, b"<length>" if n == "content-length" else v) for n, v in headers]
    return response.status_code, sorted(headers), body
