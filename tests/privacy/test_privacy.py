"""Per-person feedback is its salesperson's alone; anonymous answers arrive in batches."""

from __future__ import annotations

import pytest

from feedback import privacy
from feedback.core.errors import NotVisible
from feedback.models import Pressure
from feedback.privacy import anonymity, outcomes
from feedback.survey import answers, tokens


def _answer(session, settings, raw, *, named=False, comment="ok"):
    invitation = tokens.find_invitation(session, raw)
    response = answers.record(session, invitation, answers.Answers(
        respected=4, helped=4, pressure=Pressure.NO, doubtful_promise=False,
        improve_comment=comment, reveal_identity=named), settings)
    session.commit()
    return response


def test_a_salesperson_sees_only_their_own_answers(session, settings, make_user, survey_link):
    ana, ben = make_user(), make_user()
    _, raw = survey_link(ana, name="Rosa Díaz")
    response = _answer(session, settings, raw, named=True, comment="for Ana")
    assert [item.improve_comment for item in privacy.my_feedback(session, ana)] == ["for Ana"]
    assert privacy.my_feedback(session, ben) == []
    assert privacy.feedback_item(session, ana, response.id).customer_name == "Rosa Díaz"
    with pytest.raises(NotVisible):
        privacy.feedback_item(session, ben, response.id)
    with pytest.raises(NotVisible):
        privacy.feedback_item(session, ana, response.id + 1000)


@pytest.mark.parametrize("role", ["manager", "admin", "product"])
def test_no_other_role_reads_per_person_feedback(session, settings, make_user, survey_link,
                                                 role):
    from feedback.models import Role

    ana = make_user()
    _, raw = survey_link(ana)
    response = _answer(session, settings, raw, named=True)
    other = make_user(Role(role))
    assert privacy.my_feedback(session, other) == []
    with pytest.raises(NotVisible):
        privacy.feedback_item(session, other, response.id)


def test_anonymous_answers_wait_for_a_batch_and_hide_who_and_when(session, settings, make_user,
                                                                 survey_link):
    ana = make_user()
    raws = [survey_link(ana, name=f"Customer {i}")[1] for i in range(anonymity.RELEASE_BATCH)]
    for count, raw in enumerate(raws[:-1], start=1):
        _answer(session, settings, raw, comment=f"c{count}")
        assert privacy.my_feedback(session, ana) == []
        assert anonymity.pending_count(session, ana.id) == count
    _answer(session, settings, raws[-1], comment="last")
    items = privacy.my_feedback(session, ana)
    assert len(items) == anonymity.RELEASE_BATCH
    for item in items:
        assert item.anonymous
        assert item.customer_name is None and item.customer_company is None
        assert item.occurred_at is None
        assert item.week_start.weekday() == 0  # dated by week only


def test_named_answers_are_released_at_once(session, settings, make_user, survey_link):
    ana = make_user()
    _, raw = survey_link(ana, name="Rosa Díaz", company="Brightline")
    _answer(session, settings, raw, named=True)
    [item] = privacy.my_feedback(session, ana)
    assert (item.customer_name, item.customer_company) == ("Rosa Díaz", "Brightline")


def test_the_conversation_list_does_not_reveal_who_answered_anonymously(
        session, settings, make_user, survey_link):
    ana = make_user()
    answered, raw = survey_link(ana)
    unanswered, _ = survey_link(ana)
    _answer(session, settings, raw)
    session.refresh(answered.invitation)
    session.refresh(unanswered.invitation)
    assert outcomes.describe(answered.invitation) == outcomes.describe(unanswered.invitation)
    assert outcomes.describe(answered.invitation, answer_is_named=True) == "answered"


def test_answer_ids_do_not_reveal_the_order_answers_arrived_in(session, settings, make_user,
                                                               survey_link):
    ana = make_user()
    raws = [survey_link(ana)[1] for _ in range(6)]
    ids = [_answer(session, settings, raw).id for raw in raws]
    # Drawn at random from a space of 2**31: neither a sequence nor bunched together.
    assert sorted(ids) != list(range(min(ids), min(ids) + 6))
    assert max(ids) - min(ids) > 1000
