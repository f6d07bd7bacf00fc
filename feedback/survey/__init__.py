"""The customer's side: the one survey page, thanks, unsubscribe, delete; tokens,
answers, customer rights and the do-not-survey list.

Every page here is public and reached from an email link; GET and HEAD never change
anything (mail scanners open every link).
"""

from flask import Blueprint

bp = Blueprint("survey", __name__)

#: Modules that add their views to `bp`; the app factory imports them.
VIEWS = ("answer_views", "deletion_views")
BLUEPRINTS = (bp,)
