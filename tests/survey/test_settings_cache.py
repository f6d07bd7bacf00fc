"""Each process keeps the admin's settings for a few seconds, so the survey pages spend no
database round trip on them; a save through the settings page takes effect at once."""

from __future__ import annotations

import pytest

from feedback.core import settings as settings_service
from feedback.core import settings_store as app_settings
from feedback.models import AppSetting, Role


def _about(client) -> str:
    return client.get("/about-answers").text


@pytest.fixture
def cached(app, monkeypatch):
    """The cache on, as in production, with a clock the test moves."""
    now = [1000.0]
    monkeypatch.setitem(app.config, "SETTINGS_CACHE_SECONDS", 30)
    monkeypatch.setattr(settings_service.time, "monotonic", lambda: now[0])
    settings_service.forget_cached(app)
    yield now
    settings_service.forget_cached(app)


def test_a_change_written_elsewhere_shows_within_the_cache_time(app, client, session, cached):
    """Proves the survey pages read cached settings (a change made by another process is not
    seen at once) and that the cache expires (it is seen once the cache time has passed)."""
    assert "at least 5 answers" in _about(client)
    session.add(AppSetting(key="MIN_GROUP_RESPONSES", value=9))
    session.commit()
    assert "at least 5 answers" in _about(client)
    cached[0] += 31
    assert "at least 9 answers" in _about(client)


def test_a_save_through_the_settings_page_shows_at_once(app, client, auth, make_user,
                                                        post_form, cached):
    """Proves an admin's save clears this process's cached settings when it commits."""
    assert "at least 5 answers" in _about(client)
    auth.login(make_user(Role.ADMIN))
    form = {key.lower(): str(app.config[key]) for key in app_settings._BY_KEY}
    form.update(internal_domains="", min_group_responses="7")
    assert post_form("/admin/settings", form).status_code == 302
    assert "at least 7 answers" in _about(client)


def test_a_save_that_is_rolled_back_keeps_the_cached_values(app, session, make_user, cached):
    """Proves the cache is cleared on commit, not on save: a rolled-back change leaves the
    cached settings in force (and the next read still finds the stored ones)."""
    admin = make_user(Role.ADMIN)
    with app.test_request_context():
        before = settings_service.current()
    with app.test_request_context():
        app_settings.save(session, admin, {"MIN_GROUP_RESPONSES": 8}, app.config)
        session.rollback()
    with app.test_request_context():
        assert settings_service.current() is before


def test_tests_read_settings_fresh_by_default(app, client, session):
    """Proves the test configuration reads the table every time (tests write it directly
    and empty it between tests), so no test sees another's settings."""
    assert "SETTINGS_CACHE_SECONDS" not in app.config or not app.config["SETTINGS_CACHE_SECONDS"]
    assert "at least 5 answers" in _about(client)
    session.add(AppSetting(key="MIN_GROUP_RESPONSES", value=6))
    session.commit()
    assert "at least 6 answers" in _about(client)
