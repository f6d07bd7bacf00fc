"""Tables and their invariants. Behaviour lives in feedback.services."""

from feedback.models.audit import AuditEvent
from feedback.models.engagements import (
    Customer,
    Engagement,
    EngagementKind,
    EngagementSource,
    Invitation,
    InvitationStatus,
    SkipReason,
    Suppression,
    SuppressionReason,
    SurveyToken,
)
from feedback.models.people import Role, Team, User, team_managers
from feedback.models.responses import Pressure, Response

__all__ = [
    "AuditEvent",
    "Customer",
    "Engagement",
    "EngagementKind",
    "EngagementSource",
    "Invitation",
    "InvitationStatus",
    "Pressure",
    "Response",
    "Role",
    "SkipReason",
    "Suppression",
    "SuppressionReason",
    "SurveyToken",
    "Team",
    "User",
    "team_managers",
]
