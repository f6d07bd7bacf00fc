"""Getting the survey to the customer: scheduling rules, the outbox and its worker,
mail transport, the survey email, retention; and the development mailbox.

The `dev` blueprint (the mailbox in the browser) is registered only when
DEV_MAILBOX_ENABLED, so production has no such URL.
"""

from flask import Blueprint

mailbox_bp = Blueprint("dev", __name__, url_prefix="/dev")

#: Modules that add their views to `mailbox_bp`; the app factory imports them.
VIEWS = ("mailbox_views",)
BLUEPRINTS = (mailbox_bp,)
