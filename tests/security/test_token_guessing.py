"""Guessing links: 1,000 wrong tokens on every public token route, all answered alike.

Random, truncated, one-character-off, expired, spent, other-kind, over-long, non-ASCII
and path-like tokens each get the same 404 (status, headers and body, once CSRF values
and nonces are blanked) as any other wrong token on that route and method, and nothing
in the database changes. Every URL rule with a <token> needs an entry in TOKEN_ROUTES.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from feedback.accounts import links as account_links
from feedback.models import Invitation, Response, Role, Suppression
from tests.conftest import csrf_from
from tests.security.conftest import changed_tables, csrf_of, normalised, snapshot

SURVEY, ACCOUNT = "survey link", "set-password link"
#: Every public route that takes a token, and the kind of token it takes.
TOKEN_ROUTES = {
    "survey.answer": SURVEY,
    "survey.thanks": SURVEY,
    "survey.delete_answer": SURVEY,
    "survey.unsubscribe": SURVEY,
    "auth.set_password": ACCOUNT,
}
#: Routes that still honour a real survey link after it expired, by design: an
#: unsubscribe works "forever", and deleting one's answer is a right, not a feature of an
#: open survey. Expired links are guessed only on the other routes.
HONOUR_EXPIRED = {"survey.unsubscribe", "survey.delete_answer"}
#: A form that would be accepted with a real token, so only the token is wrong.
FORMS = {
    "survey.answer": {"respected": "5", "helped": "5", "pressure": "no",
                      "doubtful_promise": "no", "improve_comment": "GUESS"},
    "survey.delete_answer": {"submit": "Delete my answer"},
    "survey.unsubscribe": {},
    "auth.set_password": {"password": "guessed passphrase!", "confirm": "guessed passphrase!"},
}
TOTAL = 1000
ALPHABET = string.ascii_letters + string.digits + "-_"


def _one_off(token: str, rng: random.Random) -> str:
    at = rng.randrange(len(token))
    other = rng.choice(ALPHABET.replace(token[at], ""))
    return token[:at] + other + token[at + 1:]


def _guesses(rng: random.Random, real: dict[str, list[str]], dead: list[str],
             api_key: str) -> dict[str, tuple[list[str], Callable[[str], bool]]]:
    """Wrong tokens by category, each with the routes it is wrong on. `real` holds live
    tokens of each kind, `dead` expired or spent ones."""
    live = real[SURVEY] + real[ACCOUNT]
    every = [*live, *dead]
    anywhere = bool

    def not_of(kind: str) -> Callable[[str], bool]:
        return lambda endpoint: TOKEN_ROUTES[endpoint] != kind

    def closed(endpoint: str) -> bool:
        return endpoint not in HONOUR_EXPIRED

    path_like = [
        "..", "...", "....", ".", "%2e%2e", "%252e%252e", "..%2f..%2f", "..%5c..%5c",
        "..\\..\\etc\\passwd", "..;", "%00", "~root", "*", "$HOME", "{token}", "<token>",
        "'; DROP TABLE survey_tokens; --", "\" OR 1=1 --", "%27%20OR%20%271%27%3D%271",
        "?x=1", "#frag", "index.html", ".env", ".git", "%2F", "%5C", "\\\\evil.example",
        live[0] + "%2F..", live[0] + ";jsessionid=1", live[0] + "?", live[0] + "#",
        *(f"..{sep}" * n + "etc" for sep in ("\\", "%2f", "%5c") for n in (1, 2, 3))]
    non_ascii = [
        "é" * 32, "ü" * 43, "😀" * 32, "０" * 32, "٠١٢٣٤٥٦٧٨٩" * 4, "А" * 32, "Ａ" * 43,
        live[0][:-1] + "é", live[0][:-1] + "\u200b", "\u202e" + live[0][1:],
        live[0][:16] + "\x00" + live[0][17:], "\x00" * 32, "\ufeff" + live[0],
        "%FF" * 11, "%C0%AF" * 6, live[1][:-1] + "ı", live[1][:-1] + "\u212a",  # Kelvin
        *("".join(rng.choices("äöüßçñøåéèêëïîôûùœæ€£¥中文字符한국어", k=32)) for _ in range(40))]
    guesses = {
        "random length": (["".join(rng.choices(ALPHABET, k=n)) for n in
                           [*range(1, 32), *range(33, 43), *range(44, 64)] * 3], anywhere),
        "truncated": ([t[:n] for t in live for n in (1, 8, 16, 31, len(t) - 1)]
                      + [t[n:] for t in live for n in (1, 2)], anywhere),
        "one char off": ([_one_off(t, rng) for t in every for _ in range(24)], anywhere),
        "decorated": ([form for t in live for form in (
            t.upper(), t.lower(), t + "=", t + "\n", t + "\t", t + " ", " " + t, t + ".",
            t + t[-1], t[::-1])], anywhere),
        "expired or spent": (dead * 6, closed),
        "survey link elsewhere": (real[SURVEY] * 5, not_of(SURVEY)),
        "set-password link elsewhere": (real[ACCOUNT] * 5, not_of(ACCOUNT)),
        "API key": ([api_key, api_key[:32], api_key[:43], api_key[-32:], api_key[-43:]] * 2,
                    anywhere),
        "over-long": ([rng.choice(live) * n for n in (2, 3, 10, 50)]
                      + ["".join(rng.choices(ALPHABET, k=n)) for n in (65, 100, 500, 1000, 4000)],
                      anywhere),
        "non-ascii": (non_ascii, anywhere),
        "path-like": (path_like, anywhere),
    }
    # Random tokens of the right shapes (with one more character or none) make up the rest.
    rest = TOTAL - sum(len(tokens) for tokens, _ in guesses.values())
    guesses["random"] = (["".join(rng.choices(ALPHABET, k=rng.choice((32, 33, 43, 44))))
                          for _ in range(rest)], anywhere)
    return guesses


def _requests(rng: random.Random, guesses: dict, combos: list[tuple[str, str]]
              ) -> list[tuple[str, str, str, str]]:
    """(category, endpoint, method, token) probes, each category spread over every
    (endpoint, method) it applies to, in a shuffled order."""
    planned = []
    for category, (tokens, applies) in guesses.items():
        fits = [c for c in combos if applies(c[0])]
        start = rng.randrange(len(fits))
        for i, token in enumerate(tokens):
            planned.append((category, *fits[(start + i) % len(fits)], token))
    rng.shuffle(planned)
    return planned


def _path(app, endpoint: str, token: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return rule.rule.replace("<token>", quote(token, safe=""))


@pytest.fixture
def links(session, survey_link, make_user, world):
    """Live, expired and spent tokens of both kinds (the world adds one of each live)."""
    owner = world.user("owner")
    surveys = [world.survey_token] + [survey_link(owner)[1] for _ in range(2)]
    expired = [survey_link(owner) for _ in range(2)]
    session.execute(update(Invitation)
                    .where(Invitation.id.in_([e.invitation.id for e, _ in expired]))
                    .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    accounts = [world.link_token]
    people = [make_user(Role.SALESPERSON) for _ in range(3)]
    accounts.append(account_links.issue(session, people[0]).raw_token)
    old = account_links.issue(session, people[1], now=datetime.now(UTC) - timedelta(days=30))
    spent = account_links.issue(session, people[2])
    session.commit()
    account_links.set_password(session, spent.raw_token, "already used passphrase")
    session.commit()
    return ({SURVEY: surveys, ACCOUNT: accounts},
            [t for _, t in expired] + [old.raw_token, spent.raw_token])


def test_every_token_route_is_guessed(app):
    """Proves the guessing below covers every route that takes a <token>: a new one
    without an entry here fails."""
    routed = {r.endpoint for r in app.url_map.iter_rules() if "token" in r.arguments}
    assert routed == set(TOKEN_ROUTES)


def test_a_thousand_wrong_tokens_get_identical_404s_and_change_nothing(
        app, client, engine, links, world):
    """Proves that no wrong token (of a dozen kinds) on any public token route and method is
    told apart from another: one 404, the same headers and body for all, and not a row
    written, while the real tokens still open their pages afterwards."""
    real, dead = links
    rng = random.Random(6)  # fixed: a failure names a probe that can be replayed
    combos = [(endpoint, method) for endpoint in sorted(TOKEN_ROUTES)
              for rule in app.url_map.iter_rules() if rule.endpoint == endpoint
              for method in sorted(rule.methods - {"OPTIONS"})]
    probes = _requests(rng, _guesses(rng, real, dead, world.api_key), combos)
    assert len(probes) == TOTAL
    token = csrf_of(client)
    first: dict[tuple[str, str], tuple] = {}
    before = snapshot(engine)
    for category, endpoint, method, guess in probes:
        data = {**FORMS.get(endpoint, {}), "csrf_token": token} if method == "POST" else None
        path = _path(app, endpoint, guess)
        response = client.open(path, method=method, data=data)
        response.close()
        what = (category, endpoint, method, guess)
        assert response.status_code == 404, what
        shape = normalised(response)
        assert first.setdefault((endpoint, method), shape) == shape, what
    assert changed_tables(before, snapshot(engine)) == []

    for endpoint, kind in TOKEN_ROUTES.items():
        if endpoint != "survey.thanks":  # thanks redirects to the form until answered
            assert client.get(_path(app, endpoint, real[kind][0])).status_code == 200, endpoint
    assert client.get(_path(app, "survey.unsubscribe", dead[0])).status_code == 200


def test_a_token_with_a_slash_never_reaches_a_token_page(app, client, engine, links):
    """Proves tokens that add path segments (../, encoded slashes) match no route: the
    plain not-found page, nothing written."""
    real, _ = links
    not_found = normalised(client.get("/no/such/page"))
    before = snapshot(engine)
    for guess in ("../..", "../../etc/passwd", "a/b", real[SURVEY][0] + "/x",
                  real[ACCOUNT][0] + "/..", "%2e%2e/%2e%2e"):
        for endpoint in TOKEN_ROUTES:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            path = rule.rule.replace("<token>", quote(guess, safe="/"))
            response = client.get(path)
            assert response.status_code == 404, (endpoint, guess)
            assert normalised(response) == not_found, (endpoint, guess)
    assert changed_tables(before, snapshot(engine)) == []


def test_a_link_acts_on_its_own_survey_only(client, session, make_user, answered):
    """Proves a survey link deletes and unsubscribes for its own survey alone: with two
    answered surveys of one salesperson, using the first one's links leaves the second
    one's answer in place and its customer still subscribed."""
    seller = make_user()
    mine, other = answered(seller), answered(seller)
    page = client.get(f"/s/{mine.token}/delete")
    deleted = client.post(f"/s/{mine.token}/delete",
                          data={"csrf_token": csrf_from(page.text), "submit": "Delete"})
    assert deleted.status_code == 200
    assert client.post(f"/u/{mine.token}").status_code == 200
    session.expire_all()
    assert session.scalars(select(Response.id)).all() == [other.response_id]
    assert session.scalars(select(Suppression.email)).all() == [mine.customer_email]
