"""The survey email: short, human, from the salesperson, easy to ignore or leave."""

from __future__ import annotations

from email.utils import formataddr

from flask import current_app
from flask_mail import Message

from feedback.core.links import external_url
from feedback.core.settings import Settings
from feedback.models import Invitation

RATING_LABELS = {1: "Not at all", 2: "Not really", 3: "Somewhat", 4: "Mostly", 5: "Completely"}


def message_id_for(invitation_id: int, domain: str, *, reminder: bool = False) -> str:
    """Stable per invitation (and per reminder), so a resend is recognisably the same mail."""
    kind = "reminder" if reminder else "survey"
    return f"<{kind}.{invitation_id}@{domain}>"


def _render(name: str, context: dict) -> str:
    # No request context processors: an email knows nothing about who is signed in.
    return current_app.jinja_env.get_template(name).render(**context)


def build(invitation: Invitation, raw_token: str, settings: Settings, *,
          reminder: bool = False, message_id: str) -> Message:
    """The message for one invitation, with both parts and RFC 8058 headers."""
    engagement = invitation.engagement
    salesperson = engagement.salesperson
    customer = engagement.customer
    survey_url = external_url(settings.base_url, "survey.answer", token=raw_token)
    unsubscribe_url = external_url(settings.base_url, "survey.unsubscribe", token=raw_token)
    context = {
        "customer_first_name": customer.name.split()[0] if customer.name.strip() else "",
        "salesperson_name": salesperson.name,
        "salesperson_first_name": salesperson.first_name,
        "org_name": settings.org_name,
        "occurred_on": engagement.occurred_at.strftime("%A %-d %B"),
        "survey_url": survey_url,
        "rating_links": [
            (value, label, external_url(settings.base_url, "survey.answer",
                                        token=raw_token, respected=value))
            for value, label in RATING_LABELS.items()
        ],
        "unsubscribe_url": unsubscribe_url,
        "about_url": external_url(settings.base_url, "survey.about"),
        "delete_url": external_url(settings.base_url, "survey.delete_answer", token=raw_token),
        "reminder": reminder,
    }
    subject = (
        f"A gentle reminder from {salesperson.first_name}: how was our conversation?"
        if reminder
        else f"{salesperson.first_name} from {settings.org_name}: how was our conversation?"
    )
    message = Message(
        subject=subject,
        sender=formataddr((f"{salesperson.name} via {settings.org_name}", settings.from_address)),
        recipients=[customer.email],
        reply_to=salesperson.email,
        body=_render("email/survey.txt", context),
        html=_render("email/survey.html", context),
        extra_headers={
            "List-Unsubscribe": (
                f"<{unsubscribe_url}>, "
                f"<mailto:{settings.from_address}?subject=unsubscribe>"
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.msgId = message_id
    if reminder:
        # Mail programs then show the reminder under the first email, not as a new one.
        first = message_id_for(invitation.id, message_id.rsplit("@", 1)[-1].rstrip(">"))
        message.extra_headers.update({"In-Reply-To": first, "References": first})
    return message
