"""Admin forms. Choices that come from the database are filled in by the route."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from feedback.core import settings_store as app_settings
from feedback.core.form_fields import Checkboxes, row_id
from feedback.models import ApiScope, Role, SuppressionReason

ROLE_CHOICES = [SelectChoice(role.value, role.value.capitalize()) for role in Role]
NO_TEAM = 0
#: More ticked people than an organisation has is not a real request.
MAX_TICKED = 10_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def team_choices(teams) -> list[SelectChoice]:
    return [SelectChoice(NO_TEAM, "No team"), *(SelectChoice(t.id, t.name) for t in teams)]


class InviteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Please give their name."),
                                           Length(max=120)])
    email = EmailField("Email", filters=[_strip],
                       validators=[DataRequired("We need an address to invite them."),
                                   Email("That email address does not look right."),
                                   Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.SALESPERSON.value)
    team = SelectField("Team", coerce=int, default=NO_TEAM)
    submit = SubmitField("Send invitation")


class PersonForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    team = SelectField("Team", coerce=int)
    submit = SubmitField("Save")


class ConfirmForm(FlaskForm):
    """A button that changes something: it needs a CSRF token and nothing else."""

    submit = SubmitField("Confirm")


class TeamNameForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired("Please give the team a name."),
                                                Length(max=120)])
    submit = SubmitField("Save name")


class TeamPeopleForm(FlaskForm):
    # Not checked against the boxes shown: team_setup refuses anyone of the wrong role.
    managers = Checkboxes("Managers", coerce=row_id, validate_choice=False,
                           validators=[Length(max=MAX_TICKED)])
    members = Checkboxes("Salespeople in this team", coerce=row_id, validate_choice=False,
                          validators=[Length(max=MAX_TICKED)])
    submit = SubmitField("Save people")


def _setting_field_name(key: str) -> str:
    return key.lower()


class SettingsForm(FlaskForm):
    """One whole-number field per app_settings.NUMBERS entry, plus the internal domains."""

    internal_domains = TextAreaField(
        "Internal domains", validators=[Optional(), Length(max=10_000)],
        description="Addresses at these domains are never surveyed. One per line or "
                    "separated by commas.")
    submit = SubmitField("Save settings")

    @staticmethod
    def field_name(key: str) -> str:
        return _setting_field_name(key)

    def number_fields(self):
        """(spec, field) pairs in the order of app_settings.NUMBERS."""
        return [(spec, self[_setting_field_name(spec.key)]) for spec in app_settings.NUMBERS]


for _spec in app_settings.NUMBERS:
    setattr(SettingsForm, _setting_field_name(_spec.key), IntegerField(
        f"{_spec.label} ({_spec.unit})",
        validators=[InputRequired(f"{_spec.label} needs a number."),
                    # app_settings checks again; this says so next to the field at once.
                    NumberRange(_spec.minimum, _spec.maximum,
                                f"{_spec.label} must be between {_spec.minimum} and "
                                f"{_spec.maximum} {_spec.unit}.")],
        description=_spec.hint))


class SuppressionAddForm(FlaskForm):
    email = EmailField("Email address", filters=[_strip], validators=[
        DataRequired("Which address should never be surveyed?"),
        Email("That email address does not look right."), Length(max=254)])
    submit = SubmitField("Add to the list")


class SuppressionFilterForm(FlaskForm):
    """A search (GET): no CSRF, nothing changes."""

    class Meta:
        csrf = False

    q = StringField("Address contains", validators=[Optional(), Length(max=254)])
    reason = SelectField("Reason", choices=[SelectChoice("", "Any reason"),
                                            *(SelectChoice(r.value, r.value.capitalize())
                                              for r in SuppressionReason)],
                         validators=[Optional()], default="")
    submit = SubmitField("Search")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField("Action", validators=[Optional()], default="",
                         validate_choice=False)
    submit = SubmitField("Filter")


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    days = SelectField("Period", coerce=int, default=30, validators=[Optional()])
    submit = SubmitField("Show")


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the key a name."),
                                           Length(max=120)],
                       description="Who or what uses it, e.g. \"CRM sync\".")
    scopes = Checkboxes("Scopes", choices=[SelectChoice(s.value, s.value) for s in ApiScope],
                         default=[ApiScope.ENGAGEMENTS_WRITE.value])
    submit = SubmitField("Create key")
