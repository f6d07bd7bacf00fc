"""Passwords: hashed with a current algorithm (scrypt), at least 10 characters on every
path that sets one, no composition rules, and a cap that keeps hashing cheap."""

from __future__ import annotations

import pytest

from feedback.accounts import links as account_links
from feedback.accounts import passwords as accounts
from feedback.accounts.passwords import AccountError
from feedback.models import Role


def test_new_passwords_are_hashed_with_scrypt(session):
    user = accounts.create_user(session, email="new.person@staff.example", name="New Person",
                                role=Role.MANAGER, password="ten chars!")
    assert user.password_hash.startswith("scrypt:")
    assert "ten chars!" not in user.password_hash


@pytest.mark.parametrize("password, ok", [
    ("short one", False),          # 9 characters
    ("tencharsxx", True),          # no digits, symbols or capitals needed
    ("          ", True),          # spaces count; length is what matters
    ("x" * 1024, True),
    ("x" * 1025, False),           # a cap, so nobody can make us hash a megabyte
])
def test_length_is_the_only_rule_when_setting_a_password_by_link(session, make_user,
                                                                  password, ok):
    user = make_user()
    link = account_links.issue(session, user)
    session.commit()
    if ok:
        assert account_links.set_password(session, link.raw_token, password) == user
        assert user.password_hash.startswith("scrypt:")
    else:
        with pytest.raises(AccountError):
            account_links.set_password(session, link.raw_token, password)


def test_changing_a_password_has_the_same_rules(session, make_user):
    from tests.conftest import PASSWORD

    user = make_user()
    with pytest.raises(AccountError, match="at least 10"):
        accounts.change_password(session, user, PASSWORD, "too short")
    with pytest.raises(AccountError, match="current password"):
        accounts.change_password(session, user, PASSWORD, PASSWORD)
    accounts.change_password(session, user, PASSWORD, "long enough now")
    assert user.password_hash.startswith("scrypt:")


def test_an_admin_created_on_the_command_line_needs_a_long_password(app):
    runner = app.test_cli_runner()
    with app.app_context():  # what `flask --app wsgi` provides
        result = runner.invoke(args=["create-admin", "--email", "root@staff.example",
                                     "--name", "Root", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10" in result.output
