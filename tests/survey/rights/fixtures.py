"""Answers with everything that can hang off them, for tests that must see it all go
(deletion, retention) or never see it at all (admin pages)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from feedback.models import (
    CoachingNote,
    Invitation,
    Pressure,
    Reflection,
    Role,
    Share,
    ShareScope,
    User,
)
from feedback.survey import answers


@dataclass
class Answered:
    """One answered survey and the distinctive words written about it."""

    invitation_id: int
    response_id: int
    token: str
    customer_email: str
    words: dict[str, str]

    @property
    def strings(self) -> list[str]:
        return list(self.words.values())


@pytest.fixture
def answered(session, settings, survey_link, make_user):
    """answered(seller, coach=None) -> Answered: an answer with comments, a reflection,
    a share to `coach` (or a new manager) and a coaching note, all committed."""

    def make(seller: User, *, coach: User | None = None, name: str = "Casey Customer"
             ) -> Answered:
        tag = uuid.uuid4().hex[:10].upper()
        words = {
            "improve_comment": f"IMPROVE-{tag} listen longer",
            "promise_note": f"PROMISE-{tag} the export feature",
            "product_comment": f"PRODUCT-{tag} dark mode please",
            "reflection": f"REFLECTION-{tag} I rushed the pricing",
            "coaching_note": f"NOTE-{tag} try a pause before pricing",
        }
        email = f"answerer.{tag.lower()}@client.example"
        engagement, token = survey_link(seller, email=email, name=name)
        invitation = session.get(Invitation, engagement.invitation.id)
        response = answers.record(session, invitation, answers.Answers(
            respected=2, helped=3, pressure=Pressure.A_LITTLE, doubtful_promise=True,
            promise_note=words["promise_note"], improve_comment=words["improve_comment"],
            product_comment=words["product_comment"], product_contact_ok=True,
            reveal_identity=True), settings)
        coach = coach or make_user(Role.MANAGER)
        session.add(Reflection(response_id=response.id, author_id=seller.id,
                               body=words["reflection"]))
        share = Share(owner_id=seller.id, coach_id=coach.id, scope=ShareScope.ANSWERS,
                      include_reflections=True)
        share.answers.append(response)
        session.add(share)
        session.flush()
        session.add(CoachingNote(share_id=share.id, response_id=response.id,
                                 author_id=coach.id, body=words["coaching_note"]))
        session.commit()
        return Answered(invitation_id=invitation.id, response_id=response.id, token=token,
                        customer_email=email, words=words)

    return make
