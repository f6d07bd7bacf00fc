"""Staff accounts: creating people, checking passwords."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.core.addresses import is_valid_email, normalise_email
from feedback.core.errors import DomainError
from feedback.models import Role, Team, User

MIN_PASSWORD_LENGTH = 10
# Checked against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-000")


class AccountError(DomainError):
    code = "invalid_account"


class WrongPassword(AccountError):
    code = "wrong_password"


def create_user(session: Session, *, email: str, name: str, role: Role,
                password: str | None = None, team: Team | None = None,
                hash_method: str = "scrypt") -> User:
    """A new staff user; the email must be unused and the password long enough."""
    email = normalise_email(email)
    if not is_valid_email(email):
        raise AccountError("That email address does not look right.")
    if session.execute(select(User.id).where(User.email == email)).first():
        raise AccountError("A user with that email already exists.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    user = User(email=email, name=name.strip(), role=role, team=team,
                password_hash=(generate_password_hash(password, method=hash_method)
                               if password else None))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    user = session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace `user`'s password if `current` is right; AccountError with a sentence if not.

    The caller ends the user's other sessions (see feedback.accounts.sessions.end_all).
    """
    from feedback.accounts.links import check_password

    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise WrongPassword("Your current password is not right.")
    check_password(new)
    if check_password_hash(user.password_hash, new):
        raise AccountError("That is your current password; choose a new one.")
    user.password_hash = generate_password_hash(new)
    session.flush()
