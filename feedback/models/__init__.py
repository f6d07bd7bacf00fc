"""Tables and their invariants. Behaviour lives in the rule modules of each area."""

from feedback.models.admin import AccountLink, AccountLinkPurpose, AppSetting, StaffSession
from feedback.models.audit import AuditEvent
from feedback.models.coaching import CoachingNote, Reflection, Share, ShareScope, share_answers
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
from feedback.models.integrations import ApiKey, ApiScope, ImportRejection, ImportRun, ImportStatus
from feedback.models.people import Role, Team, User, team_managers
from feedback.models.responses import Pressure, Response
from feedback.models.rollups import Period, ResponseRollup

__all__ = [
    "AccountLink",
    "AccountLinkPurpose",
    "AppSetting",
    "ApiKey",
    "ApiScope",
    "ImportRejection",
    "ImportRun",
    "ImportStatus",
    "AuditEvent",
    "CoachingNote",
    "Reflection",
    "Share",
    "ShareScope",
    "StaffSession",
    "share_answers",
    "Customer",
    "Engagement",
    "EngagementKind",
    "EngagementSource",
    "Invitation",
    "InvitationStatus",
    "Period",
    "Pressure",
    "Response",
    "ResponseRollup",
    "Role",
    "SkipReason",
    "Suppression",
    "SuppressionReason",
    "SurveyToken",
    "Team",
    "User",
    "team_managers",
]
