"""Resilience fixtures: the session's app behind a real HTTP server."""

from __future__ import annotations

import pytest

from tests.resilience.live import LiveServer


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, one thread per connection."""
    server = LiveServer(app)
    yield server
    server.stop()
