"""What every template may use: navigation for the signed-in role, date filters."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from feedback.core import navigation


def init_app(app: Flask) -> None:
    @app.context_processor
    def nav_for_user():
        if not current_user.is_authenticated:
            return {"nav_items": []}
        return {"nav_items": navigation.items_for(current_user.role)}

    @app.template_filter("week")
    def week(value) -> str:
        return f"week of {value:%-d %B %Y}"

    @app.template_filter("day")
    def day(value) -> str:
        return f"{value:%-d %b %Y}"
