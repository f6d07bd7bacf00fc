"""feedback: ask customers how they were treated; turn answers into coaching, never rankings."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

from feedback.core import logs
from feedback.core.extensions import csrf, db, limiter, login_manager, mail, migrate

PACKAGE = Path(__file__).resolve().parent
#: The checkout (or, for an installed wheel, the folder above the package).
ROOT = PACKAGE.parent

#: The areas whose blueprints make up the app, in the order they are registered.
AREAS = ("feedback.core", "feedback.accounts", "feedback.survey", "feedback.coaching",
         "feedback.team", "feedback.product", "feedback.admin", "feedback.integrations.api")


def _bundled(name: str) -> str:
    """A folder the wheel ships inside the package, else the checkout's top-level one."""
    inside = PACKAGE / name
    return str(inside if inside.is_dir() else ROOT / name)


def create_app(config: type | object | None = None, **overrides) -> Flask:
    """Build the app: bind extensions, register blueprints, handlers and commands."""
    if config is None:
        from feedback.config import config_from_env

        config = config_from_env()
    app = Flask(__name__, template_folder=_bundled("templates"),
                instance_path=str(ROOT / "instance"))
    app.config.from_object(config)
    app.config.update(overrides)
    if hasattr(config, "validate"):
        config.validate()
    app.instance_path = app.config["INSTANCE_DIR"]
    logs.init_app(app.config["LOG_LEVEL"])

    db.init_app(app)
    migrate.init_app(app, db, directory=_bundled("migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from feedback import cli
    from feedback.core import access, security, templating
    from feedback.core import error_pages as errors

    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    for area in AREAS:
        _register_area(app, area)
    if app.config["DEV_MAILBOX_ENABLED"]:
        _register_area(app, "feedback.delivery")


def _register_area(app: Flask, area: str) -> None:
    """Import an area's view modules (they add routes to its blueprints), then register."""
    package = importlib.import_module(area)
    for module in package.VIEWS:
        importlib.import_module(f"{area}.{module}")
    for blueprint in package.BLUEPRINTS:
        app.register_blueprint(blueprint)
