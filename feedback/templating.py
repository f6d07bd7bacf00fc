"""What every template may use: navigation for the signed-in role, date filters."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from feedback import navigation


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

    @app.after_request
    def no_store_for_private_pages(response):
        # Pages with someone's data must not sit in a shared cache or the back button.
        if current_user.is_authenticated or response.headers.get("X-Private-Page"):
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("X-Private-Page", None)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
