"""Product colleagues: what customers chose to tell the product team."""

from flask import Blueprint

from feedback.core.access import require_role
from feedback.models import Role

bp = Blueprint("product", __name__, url_prefix="/product")
require_role(bp, Role.PRODUCT)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("views",)
BLUEPRINTS = (bp,)
