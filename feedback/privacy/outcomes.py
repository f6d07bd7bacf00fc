"""An invitation's outcome in words a salesperson understands, without naming who answered."""

from __future__ import annotations

from feedback.models import Invitation, InvitationStatus, SkipReason

SKIP_WORDS = {
    SkipReason.TOO_OLD: "the conversation was too long ago to ask about",
    SkipReason.COOLDOWN: "this customer was asked recently (we ask at most once per cooldown)",
    SkipReason.DUPLICATE: "this conversation was already logged",
    SkipReason.UNSUBSCRIBED: "the customer asked not to receive these emails",
    SkipReason.BOUNCED: "earlier mail to this address bounced",
    SkipReason.SUPPRESSED: "the address is on the do-not-survey list",
    SkipReason.STAFF_ADDRESS: "the address belongs to a colleague",
    SkipReason.INTERNAL_DOMAIN: "the address is internal",
    SkipReason.COMPANY_CAP: "this company was asked often enough recently",
}


def describe(invitation: Invitation | None, *, answer_is_named: bool = False) -> str:
    """One sentence for the salesperson's conversation list.

    Answered, unanswered and expired surveys all read "sent" unless the customer
    chose to be named: otherwise the list would tell who sent an anonymous answer.
    """
    if invitation is None:
        return "no survey"
    status = invitation.status
    if status is InvitationStatus.SKIPPED:
        return f"not sent: {SKIP_WORDS[invitation.skip_reason]}"
    if status is InvitationStatus.FAILED:
        return "not sent: the address could not receive mail"
    if status is InvitationStatus.SCHEDULED:
        if invitation.attempts:
            return f"delayed: will try again at {invitation.send_at:%d %b %H:%M} UTC"
        return f"scheduled for {invitation.send_at:%d %b %H:%M} UTC"
    if status is InvitationStatus.SENDING and invitation.first_sent_at is None:
        return "sending now"
    if status is InvitationStatus.ANSWERED and answer_is_named:
        return "answered"
    return f"sent {invitation.first_sent_at:%d %b}"
