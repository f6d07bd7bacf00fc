"""POST and GET engagements: log conversations, read back their survey's outcome."""

from __future__ import annotations

import json

from flask import abort, jsonify, request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from feedback.core import settings
from feedback.core.errors import InvalidEngagement
from feedback.core.extensions import db
from feedback.delivery.scheduling import ConversationInput
from feedback.integrations import intake
from feedback.integrations.api import bp
from feedback.integrations.api.auth import key_required
from feedback.integrations.api.errors import ApiError, field_errors
from feedback.integrations.api.openapi import operation
from feedback.integrations.api.parsing import parse_body
from feedback.integrations.api.schemas import (
    MAX_ID,
    BatchEnvelope,
    BatchIn,
    BatchItemOut,
    BatchOut,
    EngagementIn,
    EngagementOut,
    ErrorOut,
    SurveyOut,
)
from feedback.integrations.intake import ExternalIdConflict, Recorded
from feedback.models import ApiScope, Engagement, EngagementSource
from feedback.privacy import engagement_status

_STORED = "The same conversation was already stored under this external_id."


def _present(engagements: list[Engagement]) -> list[EngagementOut]:
    named = engagement_status.named_answers(
        db.session, [e.invitation.id for e in engagements if e.invitation])
    out = []
    for e in engagements:
        status = engagement_status.status_of(
            e.invitation, answer_is_named=e.invitation is not None and e.invitation.id in named)
        out.append(EngagementOut(
            id=e.id, external_id=e.external_id, salesperson_id=e.salesperson_id,
            occurred_at=e.occurred_at, kind=e.kind, source=e.source, created_at=e.created_at,
            survey=SurveyOut(status=status.state, reason=status.reason)))
    return out


def _record(data: EngagementIn) -> Recorded:
    """Store one conversation; ApiError 409 or 422 when it cannot be."""
    by_email = data.salesperson_email is not None
    try:
        salesperson = intake.find_salesperson(
            db.session, email=data.salesperson_email, user_id=data.salesperson_id)
        conversation = ConversationInput(
            customer_email=data.customer_email, customer_name=data.customer_name,
            company=data.company, occurred_at=data.occurred_at, kind=data.kind,
            external_id=data.external_id)
        return intake.record(db.session, salesperson, conversation, settings.current(),
                             source=EngagementSource.API)
    except InvalidEngagement as error:
        field = error.field or "body"
        if field == "salesperson":
            field = "salesperson_email" if by_email else "salesperson_id"
        raise ApiError(422, error.code, str(error), {field: [str(error)]}) from error
    except ExternalIdConflict as error:
        raise ApiError(409, error.code, str(error),
                       {f: ["differs from the stored conversation"] for f in error.fields}
                       ) from error


@bp.post("/engagements")
@operation(
    "Log one conversation",
    request=EngagementIn,
    responses={201: ("Stored; the survey is scheduled or skipped.", EngagementOut),
               200: (_STORED, EngagementOut),
               409: ("This external_id already names a different conversation.", ErrorOut)},
    description="Idempotent by `external_id`: the same body again answers 200 with the "
                "stored engagement; different facts under a held id answer 409.")
@key_required(ApiScope.ENGAGEMENTS_WRITE)
def create_engagement():
    recorded = _record(parse_body(EngagementIn))
    db.session.commit()
    [body] = _present([recorded.engagement])
    return jsonify(body.model_dump(mode="json")), 201 if recorded.created else 200


@bp.post("/engagements/batch")
@operation(
    "Log up to 1,000 conversations",
    request=BatchIn,
    responses={200: ("One result per item, in order; good items are stored even when "
                     "others are refused.", BatchOut)},
    description="Each item is handled as POST /engagements would handle it alone; its "
                "`status` is what that call would have answered.")
@key_required(ApiScope.ENGAGEMENTS_WRITE)
def create_batch():
    envelope = parse_body(BatchEnvelope)
    results: list[BatchItemOut] = []
    stored: list[tuple[int, Recorded]] = []
    for index, item in enumerate(envelope.items):
        try:
            # Items arrive as plain JSON values; validating each on its own keeps
            # one bad item from spoiling the rest.
            data = EngagementIn.model_validate_json(json.dumps(item))
            stored.append((index, _record(data)))
        except ValidationError as exc:
            results.append(BatchItemOut(index=index, status=422, error={
                "code": "validation_error", "message": "This item is not valid.",
                "details": field_errors(exc)}))
        except ApiError as error:
            results.append(BatchItemOut(index=index, status=error.status, error=error.body()))
    db.session.commit()
    presented = _present([r.engagement for _, r in stored])
    for (index, recorded), body in zip(stored, presented, strict=True):
        results.append(BatchItemOut(index=index, status=201 if recorded.created else 200,
                                    engagement=body))
    results.sort(key=lambda r: r.index)
    created = sum(1 for _, r in stored if r.created)
    out = BatchOut(created=created, unchanged=len(stored) - created,
                   rejected=len(results) - len(stored), results=results)
    return jsonify(out.model_dump(mode="json"))


def _readable(where) -> Engagement | None:
    # Only conversations that came in with an external id (API or import) are
    # readable here: a key sees what integrations sent, not what people logged by hand.
    return db.session.execute(
        select(Engagement).where(where, Engagement.external_id.is_not(None))
        .options(joinedload(Engagement.invitation))
    ).scalar_one_or_none()


@bp.get("/engagements/<int:engagement_id>")
@operation("Read one engagement's survey outcome",
           responses={200: ("The engagement and its survey outcome.", EngagementOut),
                      404: ("No such engagement from the API or an import.", ErrorOut)})
@key_required(ApiScope.ENGAGEMENTS_READ)
def get_engagement(engagement_id: int):
    engagement = _readable(Engagement.id == engagement_id) if engagement_id <= MAX_ID else None
    if engagement is None:
        abort(404)
    [body] = _present([engagement])
    return jsonify(body.model_dump(mode="json"))


@bp.get("/engagements")
@operation("Find an engagement by your external_id",
           query={"external_id": {"required": True, "schema": {
               "type": "string", "minLength": 1, "maxLength": 128,
               "pattern": r"^[^\x00-\x1f\x7f]*$"}}},
           responses={200: ("The engagement and its survey outcome.", EngagementOut),
                      404: ("No engagement carries this external_id.", ErrorOut)})
@key_required(ApiScope.ENGAGEMENTS_READ)
def find_engagement():
    external_id = request.args.get("external_id", "")
    problem = None
    if not external_id:
        problem = "Field required"
    elif len(external_id) > 128 or any(ord(c) < 32 or ord(c) == 127 for c in external_id):
        problem = "must be 1 to 128 characters with no control characters"
    if problem:
        raise ApiError(422, "validation_error", "The external_id parameter is not valid.",
                       {"external_id": [problem]})
    engagement = _readable(Engagement.external_id == external_id)
    if engagement is None:
        abort(404)
    [body] = _present([engagement])
    return jsonify(body.model_dump(mode="json"))
