"""Product colleagues: what customers chose to tell the product team."""

from flask import Blueprint

from feedback.access import require_role
from feedback.models import Role

bp = Blueprint("product", __name__, url_prefix="/product")
require_role(bp, Role.PRODUCT)

from feedback.product import routes  # noqa: E402, F401
