"""The email that carries a set-password link to a new or returning colleague.

Why this is sent from the request and not the outbox: the outbox is the invitation
table, built for customer surveys (cooldowns, suppressions, reminders), and the raw
link token exists only in memory once issued, so the worker could not rebuild it. The
admin route therefore commits first and sends afterwards ("mail after commit" still
holds: nothing is sent for a change that was not saved). If the relay is down the
admin is told so, and "Send a new link" issues a fresh token; nothing is lost.
"""

from __future__ import annotations

import uuid
from email.utils import formataddr

from flask import current_app
from flask_mail import Message

from feedback.accounts.links import IssuedLink
from feedback.core.links import external_url
from feedback.core.settings import Settings
from feedback.delivery.transport import SendFailure, open_transport
from feedback.models import AccountLinkPurpose

__all__ = ["SendFailure", "build", "deliver", "send"]


def build(link: IssuedLink, settings: Settings) -> Message:
    """The message for one link, in plain text (no tracking, no images)."""
    invite = link.purpose is AccountLinkPurpose.INVITE
    context = {
        "name": link.user.first_name,
        "org_name": settings.org_name,
        "invite": invite,
        "url": external_url(settings.base_url, "auth.set_password", token=link.raw_token),
        "expires_at": link.expires_at,
        "role": link.user.role.value,
        "self_service": link.self_service,
    }
    subject = (f"You're invited to feedback at {settings.org_name}" if invite
               else f"Set a new password for feedback at {settings.org_name}")
    message = Message(
        subject=subject,
        sender=formataddr((f"feedback at {settings.org_name}", settings.from_address)),
        recipients=[link.user.email],
        body=current_app.jinja_env.get_template("auth/set_password_email.txt").render(
            **context),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    # Set here: flask-mail's default asks DNS for this host's name on every message.
    domain = settings.from_address.rsplit("@", 1)[-1]
    message.msgId = f"<account-link.{uuid.uuid4().hex}@{domain}>"
    return message


def send(link: IssuedLink, settings: Settings) -> None:
    """Hand the message to the configured transport; SendFailure if it was not accepted."""
    deliver(build(link, settings))


def deliver(message: Message) -> None:
    """Send a message built by `build`; SendFailure if it was not accepted."""
    with open_transport() as transport:
        transport.send(message)
