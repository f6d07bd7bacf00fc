"""What admins change at run time: settings, and single-use links for staff accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.people import User
from feedback.models.types import UTCDateTime, utcnow


class AppSetting(db.Model):
    """One setting an admin changed; it overrides the environment's default."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))


class AccountLinkPurpose(enum.StrEnum):
    INVITE = "invite"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


class AccountLink(db.Model):
    """A single-use, expiring link to set a password. Only the token's hash is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[AccountLinkPurpose] = mapped_column(
        Enum(AccountLinkPurpose, name="account_link_purpose",
             values_callable=lambda e: [m.value for m in e], validate_strings=True,
             create_constraint=True, native_enum=False, length=16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class StaffSession(db.Model):
    """One signed-in browser. The cookie carries a random key; only its hash is kept,
    so deleting the row signs that browser out wherever the cookie has been copied."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A short description of the browser, so people can recognise their own sessions.
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()
