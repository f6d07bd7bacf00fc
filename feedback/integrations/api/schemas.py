"""Request and response bodies. The same classes validate requests and, through
feedback.integrations.api.openapi, describe them in the OpenAPI document, so the two cannot drift.

Requests are parsed strictly (no "5" for 5, no unknown fields): a CRM that sends
the wrong thing hears about it instead of having it guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from feedback.models import EngagementKind, EngagementSource, SuppressionReason
from feedback.privacy.engagement_status import SurveyState

#: Largest batch accepted by POST /engagements/batch.
BATCH_MAX = 1000
#: Ids are 32-bit on every database; a larger one cannot exist.
MAX_ID = 2**31 - 1

#: No control characters: they are never meant, and some databases refuse NUL.
_LINE = r"^[^\x00-\x1f\x7f]*$"


Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=_LINE),
                  Field(json_schema_extra={"format": "email"})]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_LINE)]
Name = Annotated[str, StringConstraints(max_length=120, pattern=_LINE)]


def _sane_moment(value: datetime) -> datetime:
    # Far-off years overflow when converted to UTC; no conversation happened then.
    if not 2000 <= value.year <= 2999:
        raise ValueError("must be between the years 2000 and 2999")
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class EngagementIn(_Strict):
    """One sales conversation. Name the salesperson by email or by id (exactly one)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["salesperson_email"]}, {"required": ["salesperson_id"]}]})

    external_id: ExternalId = Field(
        description="Your system's id for this conversation; sending it again is harmless.")
    # Absent rather than null: the schema's oneOf says "exactly one of these keys".
    salesperson_email: Email = None  # type: ignore[assignment]
    salesperson_id: Annotated[int, Field(ge=1, le=MAX_ID)] = None  # type: ignore[assignment]
    customer_email: Email
    customer_name: Name = ""
    company: Name = ""
    occurred_at: Moment = Field(
        description="RFC 3339 with an offset, e.g. 2026-11-20T14:30:00+01:00")
    kind: EngagementKind

    @model_validator(mode="after")
    def _one_salesperson(self) -> EngagementIn:
        if (self.salesperson_email is None) == (self.salesperson_id is None):
            raise ValueError("give exactly one of salesperson_email and salesperson_id")
        return self


class BatchIn(_Strict):
    """Up to 1,000 conversations; each is stored or refused on its own."""

    items: Annotated[list[EngagementIn], Field(min_length=1, max_length=BATCH_MAX)]


class BatchEnvelope(_Strict):
    """BatchIn as parsed: items are checked one by one, so one bad item spoils nothing."""

    items: Annotated[list[Any], Field(min_length=1, max_length=BATCH_MAX)]


class SuppressionIn(_Strict):
    email: Email


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, list[str]] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    error: ErrorBody


class SurveyOut(BaseModel):
    """The survey's outcome. "answered" only where the customer chose to be named;
    otherwise an answered survey reads "sent", like an unanswered one."""

    status: SurveyState
    reason: str | None = Field(
        description="Why it was skipped (a skip reason) or failed; null otherwise.")


class EngagementOut(BaseModel):
    id: int
    external_id: str | None
    salesperson_id: int
    occurred_at: datetime
    kind: EngagementKind
    source: EngagementSource
    created_at: datetime
    survey: SurveyOut


class BatchItemOut(BaseModel):
    index: int
    #: What the single-item endpoint would have answered: 201, 200, 409 or 422.
    status: int
    engagement: EngagementOut | None = None
    error: ErrorBody | None = None


class BatchOut(BaseModel):
    created: int
    unchanged: int
    rejected: int
    results: list[BatchItemOut]


class SuppressionOut(BaseModel):
    email: str
    reason: SuppressionReason
    created_at: datetime
