"""Survey-link tokens: random enough, never stored raw, found only by their hash."""

from sqlalchemy import select

from feedback.models import SurveyToken
from feedback.survey import tokens


def test_tokens_carry_at_least_128_random_bits_and_are_stored_hashed(session, make_user,
                                                                      survey_link):
    seller = make_user()
    raws = [survey_link(seller)[1] for _ in range(5)]
    assert len(set(raws)) == 5
    assert all(len(raw) == 32 for raw in raws)  # 24 bytes = 192 bits, base64url
    stored = session.scalars(select(SurveyToken.token_hash)).all()
    for raw in raws:
        assert raw not in stored
        assert tokens.hash_token(raw) in stored


def test_lookup_finds_the_invitation_and_nothing_else(session, make_user, survey_link):
    engagement, raw = survey_link(make_user())
    assert tokens.find_invitation(session, raw).id == engagement.invitation.id
    assert tokens.find_invitation(session, raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    for junk in ["", "x", raw + "A", raw.upper() + "!", None, 42]:
        assert tokens.find_invitation(session, junk) is None
