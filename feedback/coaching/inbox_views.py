"""The coaching inbox: what colleagues shared with the signed-in user, and notes on it.

Open to salespeople and managers alike: a salesperson may pick any colleague as coach.
Everything read here goes through feedback.privacy (an active share, its window only).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback import privacy
from feedback.coaching import inbox_bp as bp
from feedback.coaching import sharing
from feedback.coaching.forms import NoteForm
from feedback.core import navigation
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.models import Role

navigation.add((Role.SALESPERSON, Role.MANAGER), "coaching.inbox", "Coaching inbox", order=60)


@bp.get("/")
def inbox():
    shares = privacy.coach_inbox(db.session, current_user)
    return render_template("coaching/inbox.html", shares=shares)


@bp.get("/shares/<int:share_id>")
def share(share_id: int):
    try:
        share = privacy.coach_share(db.session, current_user, share_id)
        view = privacy.shared_view(db.session, current_user, share.id)
    except NotVisible:
        abort(404)
    sharing.record_view(db.session, current_user, share)
    db.session.commit()
    return render_template("coaching/share.html", view=view)


@bp.post("/shares/<int:share_id>/answers/<int:response_id>/notes")
def add_note(share_id: int, response_id: int):
    target = url_for("coaching.share", share_id=share_id, _anchor=f"answer-{response_id}")
    return post_note(privacy.coach_share, share_id, response_id, target,
                     "Note added. The person who shared this can read it.")


def post_note(may_open, share_id: int, response_id: int, target: str, done: str):
    """Add a coaching note from either side of a share; `may_open` is the privacy check
    for this side (raising NotVisible), so both sides follow the same steps."""
    form = NoteForm()
    try:
        may_open(db.session, current_user, share_id)
        if not form.validate_on_submit():
            flash(form.body.errors[0] if form.body.errors else "The note was not saved.",
                  "error")
            return redirect(target)
        sharing.add_note(db.session, current_user, share_id, response_id, form.body.data)
    except NotVisible:
        abort(404)
    except sharing.ShareInvalid as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target)
    db.session.commit()
    flash(done, "success")
    return redirect(target)
