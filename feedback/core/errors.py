"""Domain errors raised by services and translated by routes, the CLI and the API."""


class DomainError(Exception):
    """Base class: a rule said no. `code` is stable and safe to show."""

    code = "domain_error"


class NotVisible(DomainError):
    """The row does not exist or the viewer may not see it (shown as a 404)."""

    code = "not_found"


class InvitationClosed(DomainError):
    """The survey link is unknown, expired or no longer accepts answers."""

    code = "invitation_closed"


class AnswerLocked(DomainError):
    """The edit window for this answer has passed."""

    code = "answer_locked"


class InvalidEngagement(DomainError):
    """An engagement could not be logged; `field` names the culprit."""

    code = "invalid_engagement"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
