"""Hypothesis fuzzing of the customer's answer POST (/s/<token>).

Whatever a client sends (fields missing, repeated or unknown; scores out of range or of
the wrong type; huge, NUL-laden or odd Unicode text; bytes that are not UTF-8; JSON
instead of a form), the answer is never a server error, and the invitation ends with
exactly one complete answer (the last accepted submission, as typed) or none at all,
with the invitation's status saying the same.
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from feedback.models import Invitation, InvitationStatus, Pressure, Response, User
from feedback.models.responses import IMPROVE_MAX, NOTE_MAX, PRODUCT_MAX
from tests.conftest import csrf_from

RATINGS = ("respected", "helped")
CHOICES = {"pressure": ("no", "a_little", "yes"), "doubtful_promise": ("no", "yes")}
TEXTS = {"promise_note": NOTE_MAX, "improve_comment": IMPROVE_MAX,
         "product_comment": PRODUCT_MAX}
TICKS = ("product_contact_ok", "reveal_identity")
#: What a well-behaved client sends, field by field.
GOOD = {"respected": "4", "helped": "2", "pressure": "a_little", "doubtful_promise": "yes",
        "promise_note": "the export", "improve_comment": "Listen longer.",
        "product_comment": "Dark mode", "product_contact_ok": "y", "reveal_identity": "y"}

NASTY = ["", " ", "\x00", "a\x00b", "\u202eevil", "\ufeff", "\r\n", "𝕏𝕐", "é",
         "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "null", "[]", "{}", "0", "-1",
         "6", "4.5", "1e3", " 4", "٤", "4\x00", "99999999999999999999", "true", "no", "yes"]
huge = st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "é", "𝕏", "\x00", " "]),
                 st.integers(900, 2100))
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), huge)


def _valid(name: str):
    if name in RATINGS:
        return st.sampled_from(["1", "2", "3", "4", "5"])
    if name in CHOICES:
        return st.sampled_from(CHOICES[name])
    if name in TICKS:
        return st.sampled_from(["y", "on", "false", ""])
    return st.text(max_size=60)


def _field(name: str):
    """Absent, one value (usually a sane one), or the field repeated."""
    value = st.one_of(_valid(name), _valid(name), text)
    return st.one_of(st.just([]), value.map(lambda v: [v]), st.just([GOOD[name]]),
                     st.lists(value, min_size=2, max_size=3))


@st.composite
def submissions(draw):
    """(form pairs, how to send them): anything a client could post, or a good form with
    one or two fields changed (near-misses are where validators go wrong)."""
    near_miss = draw(st.booleans())
    changed = set(draw(st.lists(st.sampled_from(list(GOOD)), min_size=1, max_size=2))
                  if near_miss else GOOD)
    pairs = []
    for name in GOOD:
        values = draw(_field(name)) if name in changed else [GOOD[name]]
        pairs += [(name, v) for v in values]
    pairs += draw(st.lists(st.tuples(st.text(min_size=1, max_size=12), text), max_size=3))
    pairs = draw(st.permutations(pairs))
    csrf = "valid" if near_miss else draw(st.sampled_from(["valid", "missing", "garbage"]))
    encoding = draw(st.sampled_from(["form", "form", "form", "raw-bytes", "json"]))
    junk = draw(st.binary(max_size=16))
    return pairs, csrf, encoding, junk


def _post(client, path: str, token: str, submission):
    pairs, csrf, encoding, junk = submission
    if csrf == "valid":
        pairs = [("csrf_token", token), *pairs]
    elif csrf == "garbage":
        pairs = [("csrf_token", token[::-1]), *pairs]
    if encoding == "json":
        return client.post(path, data=json.dumps(dict(pairs)),
                           content_type="application/json")
    if encoding == "raw-bytes":
        # Percent-encoded bytes that need not be UTF-8, then raw junk after an ampersand.
        body = b"&".join(quote_from_bytes(k.encode("utf-8")).encode() + b"=" + quote_from_bytes(
            v.encode("utf-8") + (b"" if k == "csrf_token" else junk)).encode()
            for k, v in pairs) + b"&" + junk
        return client.post(path, data=body,
                           content_type="application/x-www-form-urlencoded")
    return client.post(path, data=MultiDict(pairs))


def _as_parsed(submission) -> list[tuple[str, str]]:
    """The pairs as the server reads them (raw bytes are decoded, bad ones replaced)."""
    pairs, _, encoding, junk = submission
    if encoding == "raw-bytes":
        return [(k, (v.encode("utf-8") + junk).decode("utf-8", "replace")) for k, v in pairs
                if k != "csrf_token"]
    return pairs


def _accepted(pairs) -> dict:
    """What a submission that was accepted must have stored (the first of repeated fields)."""
    first = {}
    for name, value in pairs:
        first.setdefault(name, value)
    doubtful = first["doubtful_promise"] == "yes"
    product = first.get("product_comment", "").strip()
    return {
        "respected": int(first["respected"]), "helped": int(first["helped"]),
        "pressure": Pressure(first["pressure"]), "doubtful_promise": doubtful,
        "promise_note": first.get("promise_note", "").strip() if doubtful else "",
        "improve_comment": first.get("improve_comment", "").strip(),
        "product_comment": product,
    }


def _stored(session, invitation_id: int) -> tuple[Invitation, list[Response]]:
    session.expire_all()
    invitation = session.get(Invitation, invitation_id)
    rows = session.scalars(select(Response).where(Response.invitation_id == invitation_id)).all()
    return invitation, list(rows)


def _assert_whole(row: Response, invitation: Invitation, expected: dict) -> None:
    """A stored answer is complete, in range, and exactly what was accepted."""
    assert {name: getattr(row, name) for name in expected} == expected
    assert 1 <= row.respected <= 5 and 1 <= row.helped <= 5
    assert row.salesperson_id is not None and row.week_start is not None
    assert row.submitted_at is not None and row.updated_at is not None
    assert invitation.status is InvitationStatus.ANSWERED and invitation.answered_at


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(first=submissions(), second=st.none() | submissions())
def test_any_post_is_one_whole_answer_or_none(app, session, make_user, survey_link,
                                              first, second):
    """Never a 5xx; after each POST the invitation has one complete answer (the last one
    accepted, as typed) or none, and its status agrees; a refused edit changes nothing."""
    seller = _seller(session, make_user)
    engagement, token = survey_link(seller)
    invitation_id, path = engagement.invitation.id, f"/s/{token}"
    client = app.test_client()
    csrf = csrf_from(client.get(path).text)

    expected = None
    for submission in (first, second):
        if submission is None:
            continue
        response = _post(client, path, csrf, submission)
        assert response.status_code in (303, 400, 413, 422), response.status_code
        event(f"status {response.status_code}")
        if response.status_code == 303:
            expected = _accepted(_as_parsed(submission))
        invitation, rows = _stored(session, invitation_id)
        if expected is None:
            assert rows == []
            assert invitation.status is InvitationStatus.SENT
            assert invitation.answered_at is None
        else:
            [row] = rows
            _assert_whole(row, invitation, expected)


def _seller(session, make_user):
    # Hypothesis runs every example in one test: the salesperson is made once.
    found = session.scalars(select(User).where(User.email == "fuzz.seller@staff.example")).first()
    return found or make_user(email="fuzz.seller@staff.example", name="Fuzz Seller")


def test_the_fuzzer_reaches_both_outcomes(app, session, make_user, survey_link):
    """The strategy is not all garbage: a good form is accepted and stored whole, a
    repeated bad score is refused and changes nothing (so the property test sees both)."""
    seller = _seller(session, make_user)
    engagement, token = survey_link(seller)
    client = app.test_client()
    csrf = csrf_from(client.get(f"/s/{token}").text)
    pairs = list(GOOD.items())
    assert _post(client, f"/s/{token}", csrf, (pairs, "valid", "form", b"")).status_code == 303
    invitation, [row] = _stored(session, engagement.invitation.id)
    _assert_whole(row, invitation, _accepted(pairs))

    refused = [("respected", "6"), ("respected", "4"), *pairs[1:]]
    assert _post(client, f"/s/{token}", csrf, (refused, "valid", "form", b"")
                 ).status_code == 422
    invitation, [row] = _stored(session, engagement.invitation.id)
    _assert_whole(row, invitation, _accepted(pairs))


@pytest.mark.parametrize("field", sorted(TEXTS))
@pytest.mark.parametrize("bad", ["a\x00b", "\x1b[31mred", "\x7f"], ids=["NUL", "ESC", "DEL"])
def test_control_characters_in_text_are_never_a_server_error(app, session, make_user,
                                                             survey_link, field, bad):
    """The fuzzer's most likely find, pinned down: a control character in any text field
    (PostgreSQL refuses NUL in text) is refused or stored whole, never a 500."""
    seller = _seller(session, make_user)
    engagement, token = survey_link(seller)
    client = app.test_client()
    csrf = csrf_from(client.get(f"/s/{token}").text)
    pairs = [*((k, v) for k, v in GOOD.items() if k != field), (field, bad)]
    response = _post(client, f"/s/{token}", csrf, (pairs, "valid", "form", b""))
    # NUL is refused for the whole request (400, with a sentence saying why).
    assert response.status_code in ((400,) if "\x00" in bad else (303, 422))
    if response.status_code == 400:
        assert "null character" in response.text
    invitation, rows = _stored(session, engagement.invitation.id)
    if response.status_code == 303:
        [row] = rows
        _assert_whole(row, invitation, _accepted(pairs))
    else:
        assert rows == [] and invitation.status is InvitationStatus.SENT
