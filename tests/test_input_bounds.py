"""Every input is bounded and checked on the server: forms, the API's request schemas, and
a few behavioural checks that an oversized or out-of-range value is refused with a clear
error, stores nothing, and never becomes a 500.

The structural tests import every FlaskForm in the package and every request model in
feedback/api/schemas.py, so a new field without a bound fails here before it ships.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta

import pytest
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from pydantic import AfterValidator, BaseModel
from sqlalchemy import func, select
from wtforms import fields as wtf
from wtforms.fields.core import UnboundField
from wtforms.validators import Email, EqualTo, Length, NumberRange

import feedback
from feedback.coaching.forms import DateRange
from feedback.integrations import api_keys
from feedback.integrations.api import schemas
from feedback.models import ApiScope, Engagement, Role, Share, Suppression, Team
from tests.conftest import csrf_from

#: Fields outside this project's files that lack a bound today, each with why and whose it
#: is. The test fails once a gap is closed, so the entry is removed with the fix.
KNOWN_GAPS: dict[tuple[str, str], str] = {}
#: Email fields that take no syntax check, and why that is right.
EMAIL_LOOKUPS = {
    ("feedback.accounts.forms.LoginForm", "email"):
        "sign-in only looks the address up (bounded by Length); it stores and sends nothing",
    ("feedback.accounts.reset_views.ForgotPasswordForm", "email"):
        "only looked up, and the answer must read the same for any address",
}
#: Fields named like an address that hold something else.
NOT_ADDRESSES = {
    ("feedback.admin.import_views.ImportForm", "map_customer_email"): "a CSV column's name",
    ("feedback.admin.import_views.ImportForm", "map_salesperson_email"): "a CSV column's name",
}
#: Choice fields that accept values beyond their choices, and where the value is checked.
CHECKED_ELSEWHERE = {
    ("feedback.admin.forms.AuditFilterForm", "action"):
        "admin/audit_log.py uses it only if it is one of the logged actions",
    ("feedback.admin.forms.TeamPeopleForm", "managers"): "team_setup refuses wrong roles",
    ("feedback.admin.forms.TeamPeopleForm", "members"): "team_setup refuses wrong roles",
    ("feedback.coaching.forms.ShareForm", "coach"): "sharing accepts only the owner's coaches",
    ("feedback.coaching.forms.ShareForm", "answers"): "privacy.own_responses: the owner's only",
}

_TEXT = (wtf.StringField,)  # TextArea, Email, Password, Hidden, Search, Tel, URL too
_NUMBERS = (wtf.IntegerField, wtf.DecimalField, wtf.FloatField, wtf.IntegerRangeField,
            wtf.DecimalRangeField)
_DATES = (wtf.DateField, wtf.DateTimeField, wtf.TimeField, wtf.MonthField, wtf.WeekField)
_CHOICES = (wtf.SelectField, wtf.RadioField, wtf.SelectMultipleField)
#: Fields whose value cannot be large: a checkbox, a button, an upload (limited by its
#: route's body cap; see tests/test_body_limits.py).
_FIXED = (wtf.BooleanField, wtf.SubmitField, FileField, wtf.FileField)


def _all_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(feedback.__path__, "feedback."):
        importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("feedback."):
                found.append(sub)
    return found


FORMS = _all_forms()


def _fields(form: type[FlaskForm]) -> list[tuple[str, UnboundField]]:
    return [(name, getattr(form, name)) for name in dir(form)
            if isinstance(getattr(form, name, None), UnboundField)]


def _validators(field: UnboundField) -> list:
    if "validators" in field.kwargs:
        return list(field.kwargs["validators"] or [])
    return list(field.args[1]) if len(field.args) > 1 else []


def _key(form: type[FlaskForm], name: str) -> tuple[str, str]:
    return (f"{form.__module__}.{form.__qualname__}", name)


def _coerce_refuses_huge(field: UnboundField) -> bool:
    """A choice field's coerce that turns a 40-digit number into a form error, not a row id."""
    coerce = field.kwargs.get("coerce", str)
    if coerce is str:
        return False
    try:
        coerce(str(10**40))
    except (ValueError, TypeError):
        return True
    return False


def _has_max_length(form: type[FlaskForm], checks: list) -> bool:
    """Length(max=...), or EqualTo another field that has one (a password's "again" box)."""
    for check in checks:
        if isinstance(check, Length) and check.max >= 0:
            return True
        if isinstance(check, EqualTo):
            other = getattr(form, check.fieldname, None)
            if isinstance(other, UnboundField) and any(
                    isinstance(v, Length) and v.max >= 0 for v in _validators(other)):
                return True
    return False


def _problem(form: type[FlaskForm], name: str, field: UnboundField) -> str | None:
    """What is unbounded about one field, or None."""
    kind, checks = field.field_class, _validators(field)
    if issubclass(kind, _FIXED):
        return None
    if issubclass(kind, _TEXT):
        if not _has_max_length(form, checks):
            return "text without Length(max=...)"
        is_email = (issubclass(kind, wtf.EmailField) or "email" in name) \
            and _key(form, name) not in NOT_ADDRESSES
        if is_email and not any(isinstance(v, Email) for v in checks) \
                and _key(form, name) not in EMAIL_LOOKUPS:
            return "an email field without an Email() check"
        return None
    if issubclass(kind, _NUMBERS):
        if not any(isinstance(v, NumberRange) and v.max is not None for v in checks):
            return "a number without NumberRange(max=...)"
        return None
    if issubclass(kind, _DATES):
        if not any(isinstance(v, DateRange) for v in checks):
            return "a date without DateRange()"
        return None
    if issubclass(kind, _CHOICES):
        if field.kwargs.get("validate_choice", True):
            return None  # only the offered choices are accepted
        if _key(form, name) not in CHECKED_ELSEWHERE:
            return "choices not validated and no note of where the value is checked"
        if field.kwargs.get("coerce", str) is not str and not _coerce_refuses_huge(field):
            return "an id coerced without a range (a 40-digit id reaches the database)"
        if issubclass(kind, wtf.SelectMultipleField) and not any(
                isinstance(v, Length) and v.max >= 0 for v in checks):
            return "a list of ids without Length(max=...) on how many"
        return None
    return f"a {kind.__name__}: decide what bounds it and teach this test"


def test_the_scan_finds_the_forms_it_should():
    """Guards the guard: a scan that found nothing would pass vacuously."""
    names = {f"{form.__module__}.{form.__qualname__}" for form in FORMS}
    assert {"feedback.coaching.forms.LogConversationForm", "feedback.admin.forms.SettingsForm",
            "feedback.admin.import_views.ImportForm", "feedback.survey.forms.SurveyForm",
            "feedback.accounts.forms.LoginForm"} <= names
    settings_fields = dict(_fields(feedback.admin.forms.SettingsForm))
    assert "cooldown_days" in settings_fields  # fields added after the class statement too


def test_every_form_field_is_bounded():
    problems = {}
    for form in FORMS:
        for name, field in _fields(form):
            problem = _problem(form, name, field)
            if problem and _key(form, name) not in KNOWN_GAPS:
                problems[_key(form, name)] = problem
    assert problems == {}


def test_known_gaps_are_still_gaps():
    """An entry in KNOWN_GAPS is removed when its field gets a bound."""
    closed = [key for key in KNOWN_GAPS
              if not any(_key(form, name) == key and _problem(form, name, field)
                         for form in FORMS for name, field in _fields(form))]
    assert closed == []


# --- the API's request schemas ------------------------------------------------------------

#: Models that only describe responses; everything else in schemas.py parses requests.
RESPONSES = {"ErrorBody", "ErrorOut", "SurveyOut", "EngagementOut", "BatchItemOut", "BatchOut",
             "SuppressionOut"}
#: Request fields whose items are parsed again, one by one, by another model.
REPARSED = {("BatchEnvelope", "items"): "each item is parsed as EngagementIn on its own"}


def _models() -> dict[str, type[BaseModel]]:
    return {name: value for name, value in vars(schemas).items()
            if isinstance(value, type) and issubclass(value, BaseModel)
            and value.__module__ == schemas.__name__ and not name.startswith("_")}


def _unbounded(model: type[BaseModel], name: str, prop: dict, defs: dict) -> str | None:
    """What is unbounded about one property of a request model's JSON schema, or None."""
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        if "enum" in target:
            return None
        if target.get("title") in _models():
            return None  # a nested request model: checked on its own
        return f"refers to {target.get('title')}, which is neither an enum nor a model here"
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return next(filter(None, (_unbounded(model, name, p, defs) for p in options)), None)
    kind = prop.get("type")
    if kind == "string" and prop.get("format") == "date-time":
        metadata = model.model_fields[name].metadata
        if not any(isinstance(m, AfterValidator) for m in metadata):
            return "a date-time without a range check"
        return None
    if kind == "string":
        return None if "maxLength" in prop or "enum" in prop else "a string without max_length"
    if kind == "integer" or kind == "number":
        if "maximum" not in prop or "minimum" not in prop:
            return "a number without ge= and le="
        return None
    if kind == "array":
        if "maxItems" not in prop:
            return "a list without max_length"
        if prop.get("items") == {}:
            return None if (model.__name__, name) in REPARSED else "a list of anything"
        return _unbounded(model, name, prop["items"], defs)
    if kind == "boolean":
        return None
    return f"a {kind or prop}: decide what bounds it and teach this test"


def test_every_model_in_schemas_is_a_strict_request_model_or_a_listed_response():
    requests = {name for name, model in _models().items() if issubclass(model, schemas._Strict)}
    assert requests >= {"EngagementIn", "BatchIn", "BatchEnvelope", "SuppressionIn"}
    assert set(_models()) - requests == RESPONSES


def test_every_request_field_is_bounded():
    problems = {}
    for name, model in _models().items():
        if name in RESPONSES:
            continue
        schema = model.model_json_schema()
        for field, prop in schema["properties"].items():
            problem = _unbounded(model, field, prop, schema.get("$defs", {}))
            if problem:
                problems[(name, field)] = problem
    assert problems == {}


def test_request_email_fields_declare_the_email_format():
    """The API checks their syntax in the services (addresses.is_valid_email, see the
    behavioural tests below); the schema tells clients the same."""
    for name, model in _models().items():
        if name in RESPONSES:
            continue
        for field, prop in model.model_json_schema()["properties"].items():
            if "email" in field:
                assert prop.get("format") == "email", (name, field)


# --- behaviour: oversized or out-of-range values -------------------------------------------

def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _recent() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("customer_name", "N" * 121, "cannot be longer than 120 characters"),
    ("company", "C" * 121, "cannot be longer than 120 characters"),
    ("customer_email", "a" * 250 + "@b.example", "cannot be longer than 254 characters"),
    ("customer_email", "not an address", "does not look right"),
    ("occurred_at", "0001-01-01T00:00", "between 2000 and 2999"),
    ("kind", "phone", "Not a valid choice"),
])
def test_logging_a_conversation_refuses_what_is_out_of_bounds(
        make_user, auth, post_form, session, field, value, message):
    auth.login(make_user())
    data = {"customer_name": "Casey", "customer_email": "casey@client.example",
            "company": "", "occurred_at": _recent(), "kind": "call", field: value}
    page = post_form("/me/conversations/new", data)
    assert page.status_code == 200
    assert message in page.text
    assert _count(session, Engagement) == 0


def _share_form(client, data: dict):
    page = client.get("/me/sharing/new")
    return client.post("/me/sharing/new", data={**data, "csrf_token": csrf_from(page.text)})


@pytest.mark.parametrize("answers", [
    [str(10**30)],  # an id no database holds: once a 500 (OverflowError) on SQLite
    [str(n) for n in range(1, 5002)],  # more answers than anyone may share at once
], ids=["huge-id", "too-many"])
def test_sharing_refuses_impossible_answer_lists_with_a_form_error(
        make_user, auth, client, session, answers):
    owner = make_user()
    coach = make_user(Role.MANAGER, team=owner.team)
    auth.login(owner)
    response = _share_form(client, {"coach": str(coach.id), "scope": "answers",
                                    "answers": answers})
    assert response.status_code == 200
    assert "could not be coerced" in response.text or "at most 5,000 answers" in response.text
    assert _count(session, Share) == 0


def test_sharing_refuses_a_period_outside_the_sane_years(make_user, auth, client, session):
    owner = make_user()
    coach = make_user(Role.MANAGER, team=owner.team)
    auth.login(owner)
    response = _share_form(client, {"coach": str(coach.id), "scope": "period",
                                    "first_week": "9999-12-20", "last_week": "9999-12-31"})
    assert response.status_code == 200
    assert "between 2000 and 2999" in response.text
    assert _count(session, Share) == 0


def test_team_people_with_an_impossible_id_change_nothing_and_do_not_fail(
        make_user, auth, client, session):
    """Once a 500: a 31-digit id reached SQLite's INTEGER conversion."""
    auth.login(make_user(Role.ADMIN))
    team = Team(name="Alpha")
    session.add(team)
    session.commit()
    page = client.get(f"/admin/teams/{team.id}")
    response = client.post(f"/admin/teams/{team.id}/people", data={
        "managers": [str(10**30)], "members": [str(10**30)],
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Team, team.id).managers == []


def test_an_admin_setting_out_of_range_is_refused_next_to_its_field(
        app, make_user, auth, client, session):
    auth.login(make_user(Role.ADMIN))
    page = client.get("/admin/settings")
    data = {name: str(app.config[name.upper()]) for name in
            ("send_delay_minutes", "max_engagement_age_days", "cooldown_days",
             "company_cap_per_cooldown", "reminder_after_days", "link_expiry_days",
             "edit_window_hours", "min_group_responses", "min_group_people")}
    response = client.post("/admin/settings", data={
        **data, "cooldown_days": str(10**30), "internal_domains": "",
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "Cooldown must be between 1 and 365 days." in response.text


@pytest.fixture
def api_key(session) -> str:
    _, raw = api_keys.create(session, name="bounds",
                             scopes=[ApiScope.ENGAGEMENTS_WRITE, ApiScope.SUPPRESSIONS_WRITE])
    session.commit()
    return raw


def _engagement(salesperson, **overrides) -> dict:
    return {"external_id": "crm-1", "salesperson_id": salesperson.id,
            "customer_email": "casey@client.example", "customer_name": "Casey",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "kind": "call", **overrides}


@pytest.mark.parametrize(("field", "value"), [
    ("customer_name", "N" * 121),
    ("company", "C" * 121),
    ("external_id", "x" * 129),
    ("customer_email", "a" * 250 + "@b.example"),
    ("salesperson_id", 2**31),
    ("kind", "phone"),
    ("occurred_at", "1999-12-31T23:00:00+00:00"),
])
def test_the_api_refuses_out_of_bounds_fields_with_a_stable_code(
        client, api_key, make_user, session, field, value):
    response = client.post("/api/v1/engagements", json=_engagement(make_user(), **{field: value}),
                           headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]) == [field]
    assert str(value) not in response.text  # never echoes what it refused
    assert _count(session, Engagement) == 0


def test_the_api_checks_email_syntax_on_the_server(client, api_key, make_user, session):
    response = client.post("/api/v1/engagements",
                           json=_engagement(make_user(), customer_email="no at sign"),
                           headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 422
    assert "customer_email" in response.get_json()["error"]["details"]
    assert _count(session, Engagement) == 0

    response = client.post("/api/v1/suppressions", json={"email": "x" * 300},
                           headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    response = client.post("/api/v1/suppressions", json={"email": "still no at sign"},
                           headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 422
    assert _count(session, Suppression) == 0
