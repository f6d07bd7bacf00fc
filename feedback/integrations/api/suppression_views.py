"""The do-not-survey list from outside: add an address, or lift a bounce or manual entry.

Addresses travel in the body, never in the URL, so they stay out of access logs.
An unsubscribe cannot be lifted here (or anywhere): 409 unsubscribe_is_permanent.
"""

from __future__ import annotations

from flask import abort, jsonify

from feedback.core import audit
from feedback.core.addresses import is_valid_email, normalise_email
from feedback.core.errors import NotVisible
from feedback.core.extensions import db
from feedback.integrations.api import bp
from feedback.integrations.api.auth import current_key_id, key_required
from feedback.integrations.api.errors import ApiError
from feedback.integrations.api.openapi import operation
from feedback.integrations.api.parsing import parse_body
from feedback.integrations.api.schemas import ErrorOut, SuppressionIn, SuppressionOut
from feedback.models import ApiScope, Suppression, SuppressionReason
from feedback.survey import do_not_survey as suppressions


def _address(data: SuppressionIn) -> str:
    email = normalise_email(data.email)
    if not is_valid_email(email):
        raise ApiError(422, "validation_error", "That email address does not look right.",
                       {"email": ["not a valid email address"]})
    return email


def _body(row: Suppression) -> dict:
    return SuppressionOut(email=row.email, reason=row.reason,
                          created_at=row.created_at).model_dump(mode="json")


@bp.post("/suppressions")
@operation("Never survey an address",
           request=SuppressionIn,
           responses={201: ("Added to the do-not-survey list.", SuppressionOut),
                      200: ("Already on the list; its first reason stands.", SuppressionOut)})
@key_required(ApiScope.SUPPRESSIONS_WRITE)
def add_suppression():
    email = _address(parse_body(SuppressionIn))
    existing = suppressions.find(db.session, email)
    if existing is not None:
        return jsonify(_body(existing)), 200
    row = suppressions.suppress(db.session, email, SuppressionReason.MANUAL)
    audit.record(db.session, None, "suppression.add", subject_type="suppression",
                 subject_id=row.id, via="api", api_key_id=current_key_id())
    db.session.commit()
    return jsonify(_body(row)), 201


@bp.delete("/suppressions")
@operation("Lift a bounce or manual entry",
           request=SuppressionIn,
           responses={204: ("Lifted; the address may be surveyed again.", None),
                      404: ("The address is not on the list.", ErrorOut),
                      409: ("The customer unsubscribed; that is never lifted.", ErrorOut)},
           description="The address goes in the JSON body, not the URL, to keep it out of "
                       "access logs.")
@key_required(ApiScope.SUPPRESSIONS_WRITE)
def lift_suppression():
    email = _address(parse_body(SuppressionIn))
    try:
        row = suppressions.lift(db.session, email)
    except NotVisible:
        abort(404)
    except suppressions.SuppressionFixed as error:
        raise ApiError(409, error.code, str(error)) from error
    audit.record(db.session, None, "suppression.lift", subject_type="suppression",
                 subject_id=row.id, via="api", api_key_id=current_key_id())
    db.session.commit()
    return "", 204
