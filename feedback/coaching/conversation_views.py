"""The salesperson's own space: the blueprint, and their conversations.

The other pages register themselves on `bp` from their own modules (imported at the
bottom): feedback_views (my feedback, reflections), trend_views, sharing_views,
account_views (settings, export).
"""

from __future__ import annotations

from datetime import UTC

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from feedback import privacy
from feedback.coaching import bp
from feedback.coaching.forms import LogConversationForm
from feedback.core import navigation, settings
from feedback.core.errors import InvalidEngagement
from feedback.core.extensions import db
from feedback.delivery import scheduling
from feedback.models import EngagementKind, Role
from feedback.privacy import outcomes

navigation.add(Role.SALESPERSON, "me.feedback", "My feedback", order=10)
navigation.add(Role.SALESPERSON, "me.trends", "My trends", order=20)
navigation.add(Role.SALESPERSON, "me.conversations", "My conversations", order=30)
navigation.add(Role.SALESPERSON, "me.log_conversation", "Log a conversation", order=40)
navigation.add(Role.SALESPERSON, "me.sharing", "Sharing", order=50)
navigation.add(Role.SALESPERSON, "me.settings", "Settings", order=90)


@bp.get("/")
def index():
    return redirect(url_for("me.feedback"))


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

