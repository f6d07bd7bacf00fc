"""Staff: users, their roles, and the teams they belong to or manage."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, Enum, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.extensions import db
from feedback.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    SALESPERSON = "salesperson"
    MANAGER = "manager"
    PRODUCT = "product"
    ADMIN = "admin"


#: Which users manage which teams (a manager may coach several teams).
team_managers = Table(
    "team_managers",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(
        back_populates="team", foreign_keys="User.team_id"
    )
    managers: Mapped[list[User]] = relationship(
        secondary=team_managers, back_populates="managed_teams"
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-cased and stripped (see feedback.core.addresses.normalise_email).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, native_enum=False)
    )
    #: The team this person sells in now; a response keeps the team of its conversation.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    #: Weekly email of my own new feedback (salespeople can turn it off).
    weekly_digest: Mapped[bool] = mapped_column(default=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    managed_teams: Mapped[list[Team]] = relationship(
        secondary=team_managers, back_populates="managers"
    )

    #: The key of the staff session this object was loaded for (see feedback.accounts.sessions).
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the session key, never the user id,
        so that the server can end the session."""
        if not self.session_key:
            raise RuntimeError("sign in through feedback.accounts.signin, which starts a session")
        return self.session_key

    def __eq__(self, other) -> bool:
        # The same person, whichever session loaded them (UserMixin compares get_id,
        # which is now a per-browser key).
        if isinstance(other, User):
            return self.id is not None and self.id == other.id
        return NotImplemented

    __hash__ = object.__hash__

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name
