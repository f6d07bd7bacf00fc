"""Settings an admin may change at run time, stored in app_settings over config defaults.

The environment (feedback/config.py) gives every default; a row in app_settings overrides one
key. `effective()` merges both into the typed Settings the services use. Every value is
validated when saved, and again when read, so a bad row can never lower a privacy floor.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from feedback.core import audit, clock
from feedback.core.errors import DomainError
from feedback.core.settings import Settings, forget_cached, from_config
from feedback.models import AppSetting, User

log = logging.getLogger(__name__)

#: No admin setting may lower these (DESIGN.md: a cell needs at least 3 people).
GROUP_FLOOR = 3
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 100


@dataclass(frozen=True)
class NumberSetting:
    """One whole-number setting: its config key, words for the form, and its bounds."""

    key: str
    label: str
    unit: str
    minimum: int
    maximum: int
    hint: str


NUMBERS: tuple[NumberSetting, ...] = (
    NumberSetting("SEND_DELAY_MINUTES", "Send delay", "minutes", 0, 7 * 24 * 60,
                  "How long after the conversation the survey goes out."),
    NumberSetting("MAX_ENGAGEMENT_AGE_DAYS", "Oldest conversation to ask about", "days", 1, 90,
                  "Conversations older than this when logged are skipped."),
    NumberSetting("COOLDOWN_DAYS", "Cooldown", "days", 1, 365,
                  "At most one survey per customer in this window."),
    NumberSetting("COMPANY_CAP_PER_COOLDOWN", "Surveys per company per cooldown", "surveys",
                  0, 10_000, "0 means no cap."),
    NumberSetting("REMINDER_AFTER_DAYS", "Reminder after", "days", 0, 30,
                  "One reminder if unanswered; 0 sends no reminder."),
    NumberSetting("LINK_EXPIRY_DAYS", "Link expiry", "days", 1, 90,
                  "A survey link works this long after it is first sent."),
    NumberSetting("EDIT_WINDOW_HOURS", "Edit window", "hours", 0, 30 * 24,
                  "How long a customer may change an answer after sending it."),
    NumberSetting("MIN_GROUP_RESPONSES", "Smallest group: answers", "answers", GROUP_FLOOR,
                  1000, "A team total is shown only with at least this many answers."),
    NumberSetting("MIN_GROUP_PEOPLE", "Smallest group: salespeople", "people", GROUP_FLOOR,
                  100, f"…about at least this many salespeople. Never below {GROUP_FLOOR}."),
)
DOMAINS_KEY = "INTERNAL_DOMAINS"
_BY_KEY = {spec.key: spec for spec in NUMBERS}
KEYS = (*_BY_KEY, DOMAINS_KEY)


class SettingsInvalid(DomainError):
    """Some values were refused; `errors` maps each config key to a sentence."""

    code = "invalid_settings"

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _number(spec: NumberSetting, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{spec.label} must be a whole number of {spec.unit}.")
    if not spec.minimum <= value <= spec.maximum:
        raise ValueError(f"{spec.label} must be between {spec.minimum} and {spec.maximum} "
                         f"{spec.unit}.")
    return value


def parse_domains(text: str) -> list[str]:
    """Domains from free text (commas, spaces or lines), lower-cased, de-duplicated."""
    return list(dict.fromkeys(part.strip().lower().lstrip("@")
                              for part in re.split(r"[\s,;]+", text) if part.strip()))


def _domains(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise ValueError("Internal domains must be a list of domain names.")
    bad = [d for d in value if not _DOMAIN.match(d)]
    if bad:
        raise ValueError(f"These are not domain names: {', '.join(bad[:5])}.")
    if len(value) > MAX_DOMAINS:
        raise ValueError(f"At most {MAX_DOMAINS} internal domains.")
    return sorted(set(value))


def _check(key: str, value: object) -> object:
    """One value, validated on its own (ValueError with a sentence if not)."""
    if key == DOMAINS_KEY:
        return _domains(value)
    return _number(_BY_KEY[key], value)


def _check_together(values: Mapping[str, object]) -> dict[str, str]:
    """Rules between settings, on the merged values."""
    errors = {}
    reminder, expiry = values["REMINDER_AFTER_DAYS"], values["LINK_EXPIRY_DAYS"]
    if reminder and reminder >= expiry:
        errors["REMINDER_AFTER_DAYS"] = (
            f"The reminder ({reminder} days) must come before the link expires "
            f"({expiry} days), or be 0.")
    if values["MIN_GROUP_RESPONSES"] < values["MIN_GROUP_PEOPLE"]:
        errors["MIN_GROUP_RESPONSES"] = (
            "A group needs at least one answer per salesperson: set the answers threshold "
            "at least as high as the salespeople threshold.")
    return errors


def overrides(session: Session) -> dict[str, object]:
    """The admin's stored values that are still valid (anything else is ignored, loudly)."""
    valid = {}
    for key, value in session.execute(select(AppSetting.key, AppSetting.value)).all():
        if key not in KEYS:
            continue
        try:
            valid[key] = _check(key, value)
        except ValueError:
            log.warning("ignoring invalid stored setting %s", key)
    return valid


def values(session: Session, config: Mapping) -> dict[str, object]:
    """Every editable setting as it is in force now (config overlaid by the admin's)."""
    merged = {key: config[key] for key in KEYS}
    merged[DOMAINS_KEY] = sorted(merged[DOMAINS_KEY])
    merged.update(overrides(session))
    return merged


def effective(session: Session, config: Mapping) -> Settings:
    """The Settings in force: config defaults with the admin's changes on top."""
    stored = overrides(session)
    if not stored:
        return from_config(config)
    merged = {**config, **stored}
    if _check_together(merged):
        # A combination saved under older rules: fall back to the environment, whole.
        log.warning("stored settings conflict with each other; using the defaults")
        return from_config(config)
    return from_config(merged)


def save(session: Session, actor: User, submitted: Mapping[str, object], config: Mapping,
         *, now: datetime | None = None) -> list[str]:
    """Validate and store the admin's values; returns the keys that changed.

    A value equal to the environment's default removes the override, so a later
    change of the environment takes effect again. Raises SettingsInvalid, listing
    every problem at once, and changes nothing then.
    """
    now = now or clock.now()
    errors, checked = {}, {}
    for key in KEYS:
        if key not in submitted:
            continue
        try:
            checked[key] = _check(key, submitted[key])
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise SettingsInvalid(errors)
    before = values(session, config)
    after = {**before, **checked}
    errors = _check_together(after)
    if errors:
        raise SettingsInvalid(errors)
    changed = [key for key in KEYS if after[key] != before[key]]
    rows = {row.key: row for row in session.execute(select(AppSetting)).scalars()}
    for key in changed:
        default = sorted(config[key]) if key == DOMAINS_KEY else config[key]
        row = rows.get(key)
        if after[key] == default:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(AppSetting(key=key, value=after[key], updated_at=now,
                                   updated_by_id=actor.id))
        else:
            row.value, row.updated_at, row.updated_by_id = after[key], now, actor.id
    if changed:
        audit.record(session, actor, "admin.settings.update",
                     changed={key: [before[key], after[key]] for key in changed})
        _forget_cached_on_commit(session)
    session.flush()
    return changed


def _forget_cached_on_commit(session: Session) -> None:
    """Once this transaction commits, this process reads the new values at once."""
    if not has_app_context():
        return
    app = current_app._get_current_object()
    if isinstance(session, scoped_session):
        session = session()  # the request's own Session, not every session of the registry
    event.listen(session, "after_commit", lambda _session: forget_cached(app), once=True)
