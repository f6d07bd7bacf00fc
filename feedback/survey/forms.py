"""The customer's form: five short questions, two optional ones, one honest choice."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from feedback.models.responses import IMPROVE_MAX, NOTE_MAX, PRODUCT_MAX
from feedback.services.survey_email import RATING_LABELS


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"Please keep this under {limit:,} characters.")


SCALE = [SelectChoice(value, f"{value} – {label}") for value, label in RATING_LABELS.items()]


class SurveyForm(FlaskForm):
    respected = RadioField("Did you feel respected?", choices=SCALE, coerce=int,
                           validators=[InputRequired("Please choose an answer from 1 to 5.")])
    helped = RadioField("Did you feel helped with your problem?", choices=SCALE, coerce=int,
                        validators=[InputRequired("Please choose an answer from 1 to 5.")])
    pressure = RadioField(
        "Did you feel pressured to decide?",
        choices=[SelectChoice("no", "No"), SelectChoice("a_little", "A little"),
                 SelectChoice("yes", "Yes")],
        validators=[InputRequired("Please choose one.")],
    )
    doubtful_promise = RadioField(
        "Was anything promised that you are not sure exists?",
        choices=[SelectChoice("no", "No"), SelectChoice("yes", "Yes")],
        validators=[InputRequired("Please choose one.")],
    )
    promise_note = TextAreaField(
        "What was it? (optional)",
        validators=[Optional(), _at_most(NOTE_MAX)],
    )
    improve_comment = TextAreaField(
        "What could they do better? (optional)",
        validators=[Optional(), _at_most(IMPROVE_MAX)],
    )
    product_comment = TextAreaField(
        "Anything for our product team? (optional)",
        validators=[Optional(), _at_most(PRODUCT_MAX)],
    )
    product_contact_ok = BooleanField("The product team may contact me about this")
    reveal_identity = BooleanField("You may tell them who I am")
    submit = SubmitField("Send my answers")


class UnsubscribeForm(FlaskForm):
    """One button; exempt from CSRF because RFC 8058 one-click posts carry no token."""

    class Meta:
        csrf = False

    submit = SubmitField("Unsubscribe me")
