"""Product feedback feed: what customers chose to tell the product team."""

from __future__ import annotations

from flask import render_template, request

from feedback.core import navigation
from feedback.core.extensions import db
from feedback.models import Role
from feedback.product import bp
from feedback.product import feed as product_feed

navigation.add(Role.PRODUCT, "product.feed", "Product feedback", order=10)


@bp.get("/")
def feed():
    page = request.args.get("page", 1, type=int)
    result = product_feed.feed(db.session, page=min(max(page, 1), 100_000))
    return render_template("product/feed.html", feed=result,
                           total=product_feed.count(db.session))
