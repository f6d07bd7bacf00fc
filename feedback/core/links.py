"""Absolute links for emails, always built from BASE_URL and never from a request's Host."""

from __future__ import annotations

from flask import current_app


def external_url(base_url: str, endpoint: str, **values) -> str:
    """BASE_URL + the path the URL map gives for `endpoint`."""
    adapter = current_app.url_map.bind("configured.invalid")
    return base_url.rstrip("/") + adapter.build(endpoint, values, force_external=False)
