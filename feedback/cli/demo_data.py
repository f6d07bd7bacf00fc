"""A demo organisation to click through: one team, its manager, four salespeople, history."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts import passwords as accounts
from feedback.core import clock
from feedback.models import (
    Customer,
    Engagement,
    EngagementKind,
    EngagementSource,
    Invitation,
    InvitationStatus,
    Pressure,
    Response,
    Role,
    Team,
    User,
)
from feedback.team import rollups

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the demo on purpose
DOMAIN = "acme.example"

PEOPLE = [
    ("ana@acme.example", "Ana Lopez", Role.SALESPERSON),
    ("ben@acme.example", "Ben Okafor", Role.SALESPERSON),
    ("chloe@acme.example", "Chloé Martin", Role.SALESPERSON),
    ("dev@acme.example", "Dev Patel", Role.SALESPERSON),
    ("maya@acme.example", "Maya Chen", Role.MANAGER),
    ("priya@acme.example", "Priya Shah", Role.PRODUCT),
    ("admin@acme.example", "Sam Admin", Role.ADMIN),
]

CUSTOMER_NAMES = [
    "Jordan Blake", "Rosa Díaz", "Tomás Silva", "Hana Sato", "Oliver Grant", "Amara Obi",
    "Lena Fischer", "Marco Rossi", "Nadia Haddad", "Ivan Petrov", "Grace Kim", "Felix Wood",
    "Sofia Costa", "Kwame Mensah", "Elif Demir", "Noah Clarke", "Mia Novak", "Yusuf Ali",
]
COMPANIES = ["Brightline", "Copperleaf", "Dunmore Labs", "Eastgate", "Fernhill Foods",
             "Greyhaven", "Harbor & Co"]
COMMENTS = [
    "Listen a little longer before suggesting a plan.",
    "Clear and patient. Maybe send the summary sooner.",
    "I'd have liked the pricing earlier in the call.",
    "Great questions about our setup.",
    "",
    "",
    "Felt a bit rushed at the end.",
]


def load(session: Session, seed: int = 7) -> bool:
    """Create the demo organisation; False (and no change) if it already exists."""
    if session.execute(select(User.id).where(User.email == PEOPLE[0][0])).first():
        return False
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not security
    team = Team(name="Field Sales")
    session.add(team)
    users = {}
    for email, name, role in PEOPLE:
        users[email] = accounts.create_user(
            session, email=email, name=name, role=role, password=DEMO_PASSWORD,
            team=team if role is Role.SALESPERSON else None)
    team.managers.append(users["maya@acme.example"])
    sellers = [u for u in users.values() if u.role is Role.SALESPERSON]
    now = clock.now()
    for index in range(54):
        seller = sellers[index % len(sellers)]
        occurred = now - timedelta(days=rng.uniform(16, 90), hours=rng.randint(0, 8))
        _past_conversation(session, rng, team, seller, occurred, index,
                           answered=rng.random() < 0.75, release=True)
    # Two anonymous answers waiting for a third: the walkthrough's answer releases them.
    for index in range(54, 56):
        occurred = now - timedelta(days=rng.uniform(3, 10))
        _past_conversation(session, rng, team, sellers[0], occurred, index,
                           answered=True, release=False)
    session.flush()
    # The demo writes answers directly, so count the team rollups once at the end.
    rollups.rebuild(session)
    return True


def _past_conversation(session, rng, team, seller, occurred, index, *, answered, release):
    name = CUSTOMER_NAMES[index % len(CUSTOMER_NAMES)]
    email = f"{name.split()[0].lower()}.{index}@customer.example"
    customer = Customer(email=email, email_domain="customer.example", name=name,
                        company=rng.choice(COMPANIES))
    engagement = Engagement(salesperson=seller, team=team, customer=customer,
                            occurred_at=occurred, kind=rng.choice(list(EngagementKind)),
                            source=EngagementSource.DEMO)
    sent = occurred + timedelta(hours=2)
    invitation = Invitation(engagement=engagement, status=InvitationStatus.EXPIRED,
                            send_at=None, first_sent_at=sent, sent_at=sent,
                            first_attempt_at=sent, attempts=1,
                            expires_at=sent + timedelta(days=14),
                            message_id=f"<demo.{index}@{DOMAIN}>")
    session.add_all([customer, engagement, invitation])
    if not answered:
        return
    invitation.status = InvitationStatus.ANSWERED
    answered_at = sent + timedelta(hours=rng.uniform(1, 40))
    invitation.answered_at = answered_at
    respected = rng.choices([2, 3, 4, 5], weights=[1, 2, 5, 6])[0]
    named = release and rng.random() < 0.4
    doubtful = rng.random() < 0.12
    session.add(Response(
        invitation=invitation, salesperson_id=seller.id, team_id=team.id,
        week_start=clock.week_start(occurred), month_start=clock.month_start(occurred),
        respected=respected, helped=max(1, min(5, respected + rng.choice([-1, 0, 0, 1]))),
        pressure=rng.choices(list(Pressure), weights=[7, 2, 1])[0],
        doubtful_promise=doubtful,
        promise_note="The export to our ERP — is that real?" if doubtful else "",
        improve_comment=rng.choice(COMMENTS),
        product_comment="An offline mode would help us." if rng.random() < 0.2 else "",
        reveal_identity=named,
        submitted_at=answered_at, updated_at=answered_at,
        released_at=answered_at if release else None,
    ))


def logins_text() -> str:
    """The demo accounts, for the terminal."""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for email, name, role in PEOPLE:
        lines.append(f"  {role.value:<12} {name:<14} {email}")
    return "\n".join(lines)
