"""Staff accounts: signing in and out, sessions, passwords, set-password links.

The `auth` blueprint serves sign-in, the landing page, password links and resets,
and My account.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("signin_views", "account_views", "link_views", "reset_views")
BLUEPRINTS = (bp,)
