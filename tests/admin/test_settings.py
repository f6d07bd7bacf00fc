"""Settings: admins override the environment's defaults, within floors that keep the
promises, with clear errors, and every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.core import settings_store as app_settings
from feedback.core.settings_store import SettingsInvalid
from feedback.models import AppSetting, AuditEvent


def _form(app, **changes) -> dict:
    """Every field as the page would post it, with the environment's values, plus changes."""
    data = {key.lower(): str(app.config[key]) for key in app_settings._BY_KEY}
    data["internal_domains"] = ", ".join(app.config["INTERNAL_DOMAINS"])
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_page_shows_values_and_their_defaults(client, admin):
    page = client.get("/admin/settings").text
    assert 'name="min_group_people"' in page and 'value="3"' in page
    assert "Default: 120." in page  # SEND_DELAY_MINUTES in the test config
    assert "Never below 3" in page


def test_saved_values_take_effect_everywhere(app, client, admin, post_form, session):
    saved = post_form("/admin/settings", _form(app, min_group_responses=8, cooldown_days=45,
                                               link_expiry_days=21,
                                               internal_domains="Acme.example\nacme.test"),
                      follow_redirects=True)
    assert "Saved 4 changes." in saved.text
    current = app_settings.effective(session, app.config)
    assert current.min_group_responses == 8
    assert current.cooldown == timedelta(days=45)
    assert current.internal_domains == frozenset({"acme.example", "acme.test"})
    # The public explanation reads the same settings the services use.
    about = client.get("/about-answers").text
    assert "at least 8 answers" in about and "21 days" in about

    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "admin.settings.update")).one()
    assert event.actor_id == admin.id
    assert event.details["changed"]["COOLDOWN_DAYS"] == [30, 45]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("min_group_people", 2, "between 3 and 100"),
    ("min_group_responses", 2, "between 3 and 1000"),
    ("cooldown_days", 0, "between 1 and 365"),
    ("link_expiry_days", 400, "between 1 and 90"),
    ("send_delay_minutes", -5, "between 0 and 10080"),
    ("reminder_after_days", 14, "must come before the link expires"),
    ("internal_domains", "acme.example, not a domain!", "not domain names: not, a"),
    ("cooldown_days", "soon", "Not a valid integer"),
])
def test_bad_values_are_refused_with_a_clear_error(app, admin, post_form, session, field,
                                                   value, message):
    refused = post_form("/admin/settings", _form(app, **{field: value}))
    assert refused.status_code == 422
    assert message in refused.text
    assert "Nothing was saved" in refused.text
    assert session.scalars(select(AppSetting)).all() == []


def test_answers_threshold_cannot_be_below_people_threshold(app, admin, post_form, session):
    refused = post_form("/admin/settings", _form(app, min_group_people=6,
                                                 min_group_responses=5))
    assert refused.status_code == 422
    assert "at least as high as the salespeople threshold" in refused.text


def test_a_value_equal_to_the_default_follows_the_environment_again(app, admin, post_form,
                                                                     session):
    post_form("/admin/settings", _form(app, cooldown_days=45))
    assert session.scalars(select(AppSetting.key)).all() == ["COOLDOWN_DAYS"]
    back = post_form("/admin/settings", _form(app), follow_redirects=True)
    assert "Saved 1 change." in back.text
    session.expire_all()
    assert session.scalars(select(AppSetting)).all() == []
    unchanged = post_form("/admin/settings", _form(app), follow_redirects=True)
    assert "Nothing changed." in unchanged.text


def test_a_bad_stored_value_can_never_lower_a_floor(app, session):
    # Say someone edits the table by hand: the read side validates again.
    session.add(AppSetting(key="MIN_GROUP_PEOPLE", value=1))
    session.add(AppSetting(key="COOLDOWN_DAYS", value=60))
    session.commit()
    current = app_settings.effective(session, app.config)
    assert current.min_group_people == 3
    assert current.cooldown == timedelta(days=60)


def test_service_lists_every_problem_at_once(app, admin, session):
    with pytest.raises(SettingsInvalid) as caught:
        app_settings.save(session, admin, {"MIN_GROUP_PEOPLE": 1, "COOLDOWN_DAYS": True,
                                           "INTERNAL_DOMAINS": "acme.example"}, app.config)
    assert set(caught.value.errors) == {"MIN_GROUP_PEOPLE", "COOLDOWN_DAYS",
                                        "INTERNAL_DOMAINS"}


def test_stored_values_that_conflict_fall_back_to_the_environment(app, session):
    session.add(AppSetting(key="REMINDER_AFTER_DAYS", value=10))
    session.add(AppSetting(key="LINK_EXPIRY_DAYS", value=5))
    session.commit()
    current = app_settings.effective(session, app.config)
    assert current.link_expiry == timedelta(days=app.config["LINK_EXPIRY_DAYS"])
    assert current.reminder_after == timedelta(days=app.config["REMINDER_AFTER_DAYS"])
