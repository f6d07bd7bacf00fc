"""Who may open what. Every route must have a row here: a new route without a
decision fails `test_every_route_has_a_decision`."""

from __future__ import annotations

import pytest

from feedback.models import Role
from tests.access_rules import ADMIN, ANON, MANAGER, OTHER, PRODUCT, SELLER, WHO, load_rules

MATRIX, URL_VALUES = load_rules()


def _url(app, endpoint: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {arg: URL_VALUES[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def test_every_route_has_a_decision(app):
    routed = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(routed - set(MATRIX))
    assert not missing, f"routes without an access decision in tests/test_access.py: {missing}"


@pytest.fixture
def visitor(make_user, make_team, auth):
    team = make_team()

    def sign_in(who: str) -> None:
        role = {SELLER: Role.SALESPERSON, OTHER: Role.SALESPERSON, MANAGER: Role.MANAGER,
                ADMIN: Role.ADMIN, PRODUCT: Role.PRODUCT}.get(who)
        if role is not None:
            user = make_user(role, team=team if role is Role.SALESPERSON else None)
            assert auth.login(user).status_code == 302

    return sign_in


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_access(app, client, visitor, who, endpoint, method):
    visitor(who)
    url = _url(app, endpoint)
    response = client.open(url, method=method)
    response.close()
    expected = MATRIX[(endpoint, method)][who]
    assert response.status_code == expected, f"{who} {method} {url}"
    if expected == 302 and who == ANON:
        assert response.headers["Location"].startswith("/login")


def test_dev_mailbox_does_not_exist_outside_development(client):
    assert client.get("/dev/mailbox").status_code == 404


def test_unknown_pages_are_404_for_everyone(client):
    assert client.get("/nothing-here").status_code == 404
