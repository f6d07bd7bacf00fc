"""Forms of the salesperson's own space."""

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from feedback.models import EngagementKind


class LogConversationForm(FlaskForm):
    customer_name = StringField("Customer name",
                                validators=[DataRequired("Who did you talk to?"), Length(max=120)])
    customer_email = EmailField(
        "Customer email",
        validators=[DataRequired("We need an address to ask them."),
                    Email("That email address does not look right."), Length(max=254)],
    )
    company = StringField("Company", validators=[Optional(), Length(max=120)])
    occurred_at = DateTimeLocalField(
        "When (UTC)", format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("When did the conversation happen?")],
        default=lambda: datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None),
    )
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.value.capitalize()) for k in EngagementKind],
        default=EngagementKind.CALL.value,
    )
    submit = SubmitField("Log conversation")
