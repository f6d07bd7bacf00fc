"""The privacy service on shares: probing by id gets NotVisible (a 404), never a peek."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback import privacy
from feedback.coaching import my_data as exports
from feedback.coaching import reflections, sharing
from feedback.core.errors import NotVisible
from feedback.models import Role
from tests.coaching.helpers import released_answer, this_monday

WEEK = timedelta(weeks=1)


@pytest.fixture
def ana_and_ben(session, make_user):
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    answer = released_answer(session, ana, comment="Ana's answer")
    reflections.save(session, ana, answer.id, "Ana's reflection")
    share = sharing.share_period(session, ana, coach_id=make_user(Role.MANAGER).id,
                                 first_day=this_monday(), last_day=this_monday(),
                                 include_reflections=True)
    session.commit()
    return ana, ben, answer, share


def test_a_salesperson_probing_anothers_ids_gets_nothing(session, ana_and_ben):
    ana, ben, answer, share = ana_and_ben
    for probe in (
        lambda: privacy.feedback_item(session, ben, answer.id),
        lambda: privacy.own_response(session, ben, answer.id),
        lambda: privacy.own_responses(session, ben, [answer.id]),
        lambda: privacy.own_share(session, ben, share.id),
        lambda: privacy.coach_share(session, ben, share.id),
        lambda: privacy.shared_view(session, ben, share.id),
        lambda: privacy.shared_answer(session, ben, share.id, answer.id),
        lambda: reflections.save(session, ben, answer.id, "overwrite"),
        lambda: sharing.revoke(session, ben, share.id),
        lambda: sharing.add_note(session, ben, share.id, answer.id, "hi"),
        lambda: sharing.share_chosen(session, ben, coach_id=ana.id, response_ids=[answer.id],
                                     include_reflections=False),
    ):
        with pytest.raises(NotVisible):
            probe()
    assert privacy.my_reflections(session, ben) == {}
    assert privacy.notes_on_my_answers(session, ben, [answer.id]) == {}
    assert privacy.my_shares(session, ben) == []
    assert privacy.coach_inbox(session, ben) == []
    assert privacy.share_view_log(session, ben) == []
    assert exports.my_rows(session, ben) == []


def test_after_revoke_the_coach_gets_nothing(session, ana_and_ben):
    ana, _, answer, share = ana_and_ben
    coach = share.coach
    assert [i.id for i in privacy.shared_view(session, coach, share.id).items] == [answer.id]
    sharing.revoke(session, ana, share.id)
    session.commit()
    with pytest.raises(NotVisible):
        privacy.coach_share(session, coach, share.id)
    with pytest.raises(NotVisible):
        privacy.shared_view(session, coach, share.id)
    with pytest.raises(NotVisible):
        sharing.add_note(session, coach, share.id, answer.id, "too late")
    assert privacy.coach_inbox(session, coach) == []
    # The owner still sees what they had shared, as a record.
    assert privacy.shared_view(session, ana, share.id).viewer_is_owner


def test_a_coach_sees_nothing_outside_the_window(session, make_user):
    ana, coach = make_user(), make_user()
    monday = this_monday()
    inside = released_answer(session, ana, week=monday - WEEK)
    before = released_answer(session, ana, week=monday - 2 * WEEK)
    after = released_answer(session, ana, week=monday)
    share = sharing.share_period(session, ana, coach_id=coach.id, first_day=monday - WEEK,
                                 last_day=monday - WEEK, include_reflections=False)
    session.commit()
    assert [i.id for i in privacy.shared_view(session, coach, share.id).items] == [inside.id]
    for outside in (before, after):
        with pytest.raises(NotVisible):
            privacy.shared_answer(session, coach, share.id, outside.id)


def test_chosen_answers_mean_exactly_those(session, make_user):
    ana, coach = make_user(), make_user()
    chosen = released_answer(session, ana, comment="chosen")
    released_answer(session, ana, comment="same week, not chosen")
    share = sharing.share_chosen(session, ana, coach_id=coach.id, response_ids=[chosen.id],
                                 include_reflections=False)
    session.commit()
    view = privacy.shared_view(session, coach, share.id)
    assert [i.improve_comment for i in view.items] == ["chosen"]


def test_a_manager_who_is_not_the_coach_sees_nothing(session, ana_and_ben, make_user):
    _, _, answer, share = ana_and_ben
    other_manager = make_user(Role.MANAGER)
    with pytest.raises(NotVisible):
        privacy.shared_view(session, other_manager, share.id)
    assert privacy.coach_inbox(session, other_manager) == []
    assert privacy.notes_on_my_answers(session, other_manager, [answer.id]) == {}


def test_a_colleague_coach_sees_only_what_was_shared(session, make_user):
    ana, bea = make_user(), make_user()
    shared = released_answer(session, ana, named=True, customer_name="Rosa Díaz",
                             comment="shared")
    released_answer(session, ana, week=this_monday() - 4 * WEEK, comment="not shared")
    reflections.save(session, ana, shared.id, "kept private")
    share = sharing.share_period(session, ana, coach_id=bea.id, first_day=this_monday(),
                                 last_day=this_monday(), include_reflections=False)
    session.commit()
    view = privacy.shared_view(session, bea, share.id)
    [item] = view.items
    assert item.improve_comment == "shared"
    assert item.anonymous and item.customer_name is None and item.occurred_at is None
    assert view.reflections == {}
    # Being a coach gives nothing in Bea's own space.
    assert privacy.my_feedback(session, bea) == []
    assert privacy.my_reflections(session, bea) == {}
    with pytest.raises(NotVisible):
        privacy.feedback_item(session, bea, shared.id)


def test_answers_released_later_inside_the_window_are_shared_too(session, make_user):
    ana, coach = make_user(), make_user()
    waiting = released_answer(session, ana)
    waiting.released_at = None
    share = sharing.share_period(session, ana, coach_id=coach.id, first_day=this_monday(),
                                 last_day=this_monday(), include_reflections=False)
    session.commit()
    assert privacy.shared_view(session, coach, share.id).items == []  # not even the owner's yet
    waiting.released_at = datetime.now(UTC)
    session.commit()
    assert len(privacy.shared_view(session, coach, share.id).items) == 1
