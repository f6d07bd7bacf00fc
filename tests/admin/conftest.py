"""Fixtures for the admin area: a signed-in admin, and a second browser for someone else."""

from __future__ import annotations

import pytest

from feedback.models import Role
from tests.conftest import Auth
from tests.survey.rights.fixtures import answered  # noqa: F401


@pytest.fixture
def admin(make_user, auth):
    """An admin, signed in on `client`."""
    user = make_user(Role.ADMIN, name="Ada Admin")
    assert auth.login(user).status_code == 302
    return user


@pytest.fixture
def browser(app):
    """browser() -> (client, Auth): another person's browser, with its own cookies."""

    def open_one():
        other = app.test_client()
        return other, Auth(other)

    return open_one
