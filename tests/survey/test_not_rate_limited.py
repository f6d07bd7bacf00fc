"""A customer's pages are never rate limited, even by a limit written on one of them."""

from __future__ import annotations

from feedback import create_app
from feedback.config import TestingConfig
from feedback.core.access import public
from feedback.core.extensions import db, limiter


@limiter.limit("2 per minute", key_func=lambda: "survey-exemption-probe")
@public
def _probe():
    return "ok"


def test_the_survey_blueprint_is_exempt_from_every_limit(tmp_path):
    """Proves the limiter skips the survey blueprint's requests before looking for limits:
    the same view limited to two requests a minute answers 429 on its third request as an
    ordinary page, and goes on answering 200 when it is one of the survey's pages."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
                     RATELIMIT_STORAGE_URI="memory://", INSTANCE_DIR=str(tmp_path))
    app.add_url_rule("/probe", endpoint="probe", view_func=_probe)
    app.add_url_rule("/s-probe", endpoint="survey.probe", view_func=_probe)
    client = app.test_client()
    try:
        assert [client.get("/probe").status_code for _ in range(3)] == [200, 200, 429]
        assert [client.get("/s-probe").status_code for _ in range(5)] == [200] * 5
    finally:
        with app.app_context():
            db.engine.dispose()
