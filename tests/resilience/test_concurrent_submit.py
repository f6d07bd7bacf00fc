"""Twenty simultaneous submissions of one survey link store exactly one answer.

Real threads send real HTTP requests to a real server (one thread per connection),
released together by a barrier, so the submissions overlap in the app and in the
database: each one's "is there an answer yet?" can see none before any commits.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import Invitation, InvitationStatus, Pressure, Response, ResponseRollup
from feedback.survey import answers, tokens
from tests.resilience.live import Browser

RESPONDENTS = 20


def _answer(i: int) -> dict[str, str]:
    """Respondent i's answers; each field tells which respondent wrote it."""
    return {"respected": str(1 + i % 5), "helped": str(1 + (i // 5) % 5),
            "pressure": ("no", "a_little", "yes")[i % 3],
            "doubtful_promise": "no", "improve_comment": f"respondent {i}",
            "reveal_identity": "y"}


def _friendly(reply) -> bool:
    return 400 <= reply.status < 500 and "Traceback" not in reply.text


def _submit_together(port: int, path: str) -> list:
    """Open the form in RESPONDENTS browsers, then POST from all of them at once."""
    browsers = [Browser(port) for _ in range(RESPONDENTS)]
    for browser in browsers:  # each has its own session cookie and CSRF token
        assert browser.get(path).status == 200
    barrier = threading.Barrier(RESPONDENTS)
    replies: list = [None] * RESPONDENTS
    failures: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            replies[i] = browsers[i].post_form(path, _answer(i))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(RESPONDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and all(r is not None for r in replies)
    return replies


def _stored(session, engagement) -> list[Response]:
    session.expire_all()
    return session.scalars(select(Response).where(
        Response.invitation_id == engagement.invitation.id)).all()


def test_twenty_simultaneous_submits_store_exactly_one_answer(live_server, session, make_user,
                                                              survey_link):
    """Proves the one-answer-per-invitation rule holds under truly concurrent POSTs: without
    the unique answer per invitation, or with a race that ends in an error, this sees two
    rows or a 5xx."""
    engagement, token = survey_link(make_user())
    path = f"/s/{token}"
    replies = _submit_together(live_server.port, path)
    # The submissions really were in the app at the same time.
    assert live_server.counter.peak >= 2

    statuses = sorted(r.status for r in replies)
    assert all(r.status < 500 for r in replies), statuses
    assert all(r.status == 303 or _friendly(r) for r in replies), statuses
    succeeded = [r for r in replies if r.status == 303]
    assert succeeded and all(r.headers["location"].endswith(f"{path}/thanks") for r in succeeded)

    [row] = _stored(session, engagement)
    assert row.improve_comment.startswith("respondent ")
    invitation = session.get(Invitation, engagement.invitation.id)
    assert invitation.status is InvitationStatus.ANSWERED
    assert invitation.answered_at is not None
    # Counted once in the team rollups (a named answer is released at once).
    assert session.scalar(select(func.sum(ResponseRollup.answers))) == 1
    # The thanks page works afterwards.
    assert Browser(live_server.port).get(f"{path}/thanks").status in (200, 302)


def test_overlapping_edits_leave_one_whole_answer(engine, session, settings, make_user,
                                                 survey_link):
    """Proves an edit stores the submission whole: two edits that overlap as they do in
    the survey route (load the answer, validate, record) leave one of the two submissions,
    not a mix of both."""
    engagement, token = survey_link(make_user())
    first = answers.Answers(respected=1, helped=1, pressure=Pressure.NO, doubtful_promise=False,
                            improve_comment="first")
    with Session(engine) as one:
        invitation, _ = tokens.find_for_survey(one, token)
        answers.record(one, invitation, first, settings)
        one.commit()
    edit_a = answers.Answers(respected=5, helped=1, pressure=Pressure.NO,
                             doubtful_promise=False, improve_comment="a")
    edit_b = answers.Answers(respected=1, helped=5, pressure=Pressure.YES,
                             doubtful_promise=False, improve_comment="b")
    with Session(engine) as a, Session(engine) as b:
        # Both requests load the answer before either saves, as two overlapping POSTs do.
        invitation_a, existing_a = tokens.find_for_survey(a, token)
        invitation_b, existing_b = tokens.find_for_survey(b, token)
        answers.record(a, invitation_a, edit_a, settings, existing=existing_a)
        a.commit()
        answers.record(b, invitation_b, edit_b, settings, existing=existing_b)
        b.commit()
    [row] = _stored(session, engagement)
    stored = (row.respected, row.helped, row.pressure, row.improve_comment)
    assert stored in {(e.respected, e.helped, e.pressure, e.improve_comment)
                      for e in (edit_a, edit_b)}, stored
