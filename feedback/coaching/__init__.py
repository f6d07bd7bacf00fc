"""Coaching, the heart of promise 1: the salesperson's own space and a coach's inbox.

Two blueprints: `me` (a salesperson's feed, trends, reflections, conversations,
sharing and settings) and `coaching` (what colleagues shared with the signed-in
user, and the notes written on it). Everything per-person is read through
feedback.privacy.
"""

from flask import Blueprint

from feedback.core.access import require_role
from feedback.models import Role

bp = Blueprint("me", __name__, url_prefix="/me")
require_role(bp, Role.SALESPERSON)

inbox_bp = Blueprint("coaching", __name__, url_prefix="/coaching")
require_role(inbox_bp, Role.MANAGER, Role.SALESPERSON)

#: Modules that add their views to the blueprints; the app factory imports them.
VIEWS = ("conversation_views", "feed_views", "trend_views", "sharing_views",
         "settings_views", "inbox_views")
BLUEPRINTS = (bp, inbox_bp)
