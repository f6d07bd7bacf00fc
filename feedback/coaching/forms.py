"""Forms of the salesperson's own space (and the coaching note form)."""

from datetime import UTC, date, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    RadioField,
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
    Optional,
    ValidationError,
)

from feedback.coaching.trends import SPANS
from feedback.core.form_fields import Checkboxes, row_id
from feedback.models import EngagementKind, Period
from feedback.models.coaching import NOTE_MAX, REFLECTION_MAX
from feedback.privacy import FeedbackFilter, Show

#: The most answers one share may name (the page offers a year's worth).
MAX_SHARED_ANSWERS = 5000
#: Dates outside these years are typing mistakes (the API and CSV import use the same).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class DateRange:
    """The field's date (or date and time) falls between `first` and `last`, inclusive."""

    def __init__(self, first: date = FIRST_DAY, last: date = LAST_DAY) -> None:
        self.first, self.last = first, last

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if not self.first <= day <= self.last:
            raise ValidationError(
                f"Choose a date between {self.first.year} and {self.last.year}.")


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
        validators=[InputRequired("When did the conversation happen?"), DateRange()],
        default=lambda: datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None),
    )
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, k.value.capitalize()) for k in EngagementKind],
        default=EngagementKind.CALL.value,
    )
    submit = SubmitField("Log conversation")


class _QueryForm(FlaskForm):
    """A GET form read from the query string: it changes nothing, so it needs no CSRF."""

    class Meta:
        csrf = False


PERIODS = {"4w": ("Last 4 weeks", 4), "3m": ("Last 3 months", 13), "12m": ("Last 12 months", 52),
           "all": ("All time", None), "custom": ("Between two dates", None)}
SHOW_LABELS = {
    Show.ALL: "All answers",
    Show.COMMENTS: "Only answers with a comment",
    Show.PRESSURED: "Only where they felt pressured",
    Show.DOUBTED: "Only where they doubted a promise",
    Show.LOW_RESPECTED: "Only low “respected” scores (1 or 2)",
    Show.LOW_HELPED: "Only low “helped” scores (1 or 2)",
}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class FeedbackFilterForm(_QueryForm):
    period = SelectField("Period", choices=[SelectChoice(k, v[0]) for k, v in PERIODS.items()],
                         default="all", validators=[Optional()])
    from_day = DateField("From", validators=[Optional(), DateRange()])
    to_day = DateField("To", validators=[Optional(), DateRange()])
    show = SelectField("Show", choices=[SelectChoice(s.value, label)
                                        for s, label in SHOW_LABELS.items()],
                       default=Show.ALL.value, validators=[Optional()])

    def to_filter(self, today: date) -> FeedbackFilter:
        """The filter these choices mean; anything unparseable means "no narrowing"."""
        valid = self.validate()
        period = self.period.data if valid and self.period.data in PERIODS else "all"
        show = Show(self.show.data) if valid and self.show.data in set(Show) else Show.ALL
        since = until = None
        weeks = PERIODS[period][1]
        if weeks:
            since = _monday(today) - timedelta(weeks=weeks - 1)
        elif period == "custom":
            since = _monday(self.from_day.data) if self.from_day.data else None
            until = _monday(self.to_day.data) if self.to_day.data else None
        return FeedbackFilter(since=since, until=until, show=show)


class TrendsForm(_QueryForm):
    period = SelectField("Show by", choices=[SelectChoice(Period.WEEK.value, "Week"),
                                             SelectChoice(Period.MONTH.value, "Month")],
                         default=Period.WEEK.value, validators=[Optional()])
    span = SelectField("Over", coerce=int, validators=[Optional()],
                       choices=[SelectChoice(n, str(n)) for n in
                                sorted({n for spans in SPANS.values() for n in spans})])

    def chosen(self) -> tuple[Period, int | None]:
        """(period, span) asked for; an invalid choice falls back to the defaults."""
        if not self.validate():
            return Period.WEEK, None
        return Period(self.period.data), self.span.data


class ReflectionForm(FlaskForm):
    body = TextAreaField(
        "What I'd do differently",
        validators=[DataRequired("Write something, or delete the reflection instead."),
                    Length(max=REFLECTION_MAX)])
    submit = SubmitField("Save reflection")


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token matters."""

    submit = SubmitField("Confirm")


class ShareForm(FlaskForm):
    # Ids are not checked against the choices here: sharing refuses what is not the
    # owner's to share, with a clearer sentence than "not a valid choice".
    coach = SelectField("Share with", coerce=row_id, validate_choice=False,
                        validators=[InputRequired("Choose who to share with.")])
    scope = RadioField("What to share", default="period",
                       choices=[SelectChoice("period", "All my answers from a range of weeks"),
                                SelectChoice("answers", "Only the answers I tick below")])
    first_week = DateField("From the week of", validators=[Optional(), DateRange()])
    last_week = DateField("To the week of", validators=[Optional(), DateRange()])
    answers = Checkboxes(
        "Answers", coerce=row_id, validate_choice=False,
        validators=[Length(max=MAX_SHARED_ANSWERS,
                           message=f"Share at most {MAX_SHARED_ANSWERS:,} answers at once.")])
    include_reflections = BooleanField("Include my reflections on these answers")
    submit = SubmitField("Share")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.scope.data == "period":
            for field in (self.first_week, self.last_week):
                if field.data is None:
                    field.errors.append("Choose a day in the week.")
            return not (self.first_week.errors or self.last_week.errors)
        if not self.answers.data:
            self.answers.errors.append("Tick at least one answer to share.")
            return False
        return True


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note", validators=[DataRequired("Write a note first."),
                                                   Length(max=NOTE_MAX)])
    submit = SubmitField("Add note")


class SettingsForm(FlaskForm):
    weekly_digest = BooleanField("Email me a weekly digest of my new feedback")
    submit = SubmitField("Save settings")
