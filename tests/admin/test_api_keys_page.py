"""API keys: the secret is shown once, to the admin who made it; lists show a prefix."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback.integrations import api_keys
from feedback.models import ApiKey

SECRET = re.compile(r"fbk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def test_create_shows_the_secret_once_and_it_works(client, admin, post_form, session):
    created = post_form("/admin/keys", {"name": "CRM sync",
                                        "scopes": ["engagements:write", "engagements:read"]})
    assert created.status_code == 200
    [secret] = SECRET.findall(created.text)
    assert "will not be shown again" in created.text
    key = session.scalars(select(ApiKey)).one()
    assert key.scopes == ["engagements:read", "engagements:write"]
    assert api_keys.authenticate(session, secret).id == key.id
    later = client.get("/admin/keys").text
    assert secret not in later and key.prefix in later
    assert secret not in client.get("/admin/audit").text


def test_revoke_stops_the_key(admin, post_form, session):
    key, secret = api_keys.create(session, name="Old script", scopes=["engagements:read"])
    session.commit()
    done = post_form(f"/admin/keys/{key.id}/revoke", {}, page_url="/admin/keys",
                     follow_redirects=True)
    assert "Key revoked" in done.text and "revoked" in done.text
    session.expire_all()
    assert session.get(ApiKey, key.id).revoked_at is not None


def test_a_key_needs_a_name_and_a_scope(admin, post_form, session):
    refused = post_form("/admin/keys", {"name": "No scopes"})
    assert refused.status_code == 422 and "at least one scope" in refused.text
    assert session.scalars(select(ApiKey)).all() == []
