"""feedback: ask customers how they were treated; turn answers into coaching, never rankings."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from feedback import logs
from feedback.extensions import csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type | object | None = None, **overrides) -> Flask:
    """Build the app: bind extensions, register blueprints, handlers and commands."""
    if config is None:
        from config import config_from_env

        config = config_from_env()
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(ROOT / "instance"))
    app.config.from_object(config)
    app.config.update(overrides)
    if hasattr(config, "validate"):
        config.validate()
    app.instance_path = app.config["INSTANCE_DIR"]
    logs.init_app(app.config["LOG_LEVEL"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from feedback import access, cli, errors, security, templating

    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from feedback.admin import bp as admin_bp
    from feedback.api import bp as api_bp
    from feedback.auth.routes import bp as auth_bp
    from feedback.health import bp as health_bp
    from feedback.me.routes import bp as me_bp
    from feedback.product import bp as product_bp
    from feedback.survey.routes import bp as survey_bp
    from feedback.team import bp as team_bp
    from feedback.team import coaching_bp

    for blueprint in (health_bp, auth_bp, survey_bp, me_bp, team_bp, coaching_bp, product_bp,
                      admin_bp, api_bp):
        app.register_blueprint(blueprint)
    if app.config["DEV_MAILBOX_ENABLED"]:
        from feedback.dev.routes import bp as dev_bp

        app.register_blueprint(dev_bp)
