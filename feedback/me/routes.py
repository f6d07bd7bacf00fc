"""The salesperson's own space: their feedback and their conversations."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from feedback import navigation
from feedback.access import require_role
from feedback.extensions import db
from feedback.me.forms import LogConversationForm
from feedback.models import EngagementKind, Role
from feedback.services import anonymity, outcomes, privacy, scheduling, settings
from feedback.services.errors import InvalidEngagement

bp = Blueprint("me", __name__, url_prefix="/me")
require_role(bp, Role.SALESPERSON)
navigation.add(Role.SALESPERSON, "me.feedback", "My feedback", order=10)
navigation.add(Role.SALESPERSON, "me.conversations", "My conversations", order=30)
navigation.add(Role.SALESPERSON, "me.log_conversation", "Log a conversation", order=40)


@bp.get("/")
def index():
    return redirect(url_for("me.feedback"))


@bp.get("/feedback")
def feedback():
    items = privacy.my_feedback(db.session, current_user)
    waiting = anonymity.pending_count(db.session, current_user.id)
    return render_template("me/feedback.html", items=items, waiting=waiting,
                           batch=anonymity.RELEASE_BATCH)


@bp.get("/conversations")
def conversations():
    engagements = privacy.my_conversations(db.session, current_user)
    named = privacy.named_answer_invitation_ids(db.session, current_user)
    rows = [
        (e, outcomes.describe(e.invitation, answer_is_named=e.invitation is not None
                              and e.invitation.id in named))
        for e in engagements
    ]
    return render_template("me/conversations.html", rows=rows)


@bp.route("/conversations/new", methods=["GET", "POST"])
def log_conversation():
    form = LogConversationForm()
    if form.validate_on_submit():
        conversation = scheduling.ConversationInput(
            customer_email=form.customer_email.data,
            customer_name=form.customer_name.data,
            company=form.company.data or "",
            occurred_at=form.occurred_at.data.replace(tzinfo=UTC),
            kind=EngagementKind(form.kind.data),
        )
        try:
            engagement = scheduling.log_engagement(db.session, current_user, conversation,
                                                   settings.current())
        except InvalidEngagement as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is not None:
                field.errors.append(str(error))
            else:
                form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Logged. The survey is {outcomes.describe(engagement.invitation)}.", "success")
            return redirect(url_for("me.conversations"))
    return render_template("me/log_conversation.html", form=form)
