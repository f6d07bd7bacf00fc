"""The customer's form: five short questions, two optional ones, one honest choice."""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from feedback.delivery.survey_email import RATING_LABELS
from feedback.models.responses import IMPROVE_MAX, NOTE_MAX, PRODUCT_MAX


@dataclass(frozen=True)
class Question:
    """One multiple-choice question: what the form validates and the page shows."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, label)
    layout: str  # the CSS class suffix of its row of choices
    required: str  # the message when it is left out


_SCALE = tuple((str(value), f"{value} – {label}") for value, label in RATING_LABELS.items())
QUESTIONS = (
    Question("respected", "Did you feel respected?", _SCALE, "scale",
             "Please choose an answer from 1 to 5."),
    Question("helped", "Did you feel helped with your problem?", _SCALE, "scale",
             "Please choose an answer from 1 to 5."),
    Question("pressure", "Did you feel pressured to decide?",
             (("no", "No"), ("a_little", "A little"), ("yes", "Yes")), "three",
             "Please choose one."),
    Question("doubtful_promise", "Was anything promised that you are not sure exists?",
             (("no", "No"), ("yes", "Yes")), "two", "Please choose one."),
)
#: Labels of the free-text fields and checkboxes (the page writes its own for two of them,
#: with the salesperson's first name).
LABELS = {
    "promise_note": "What was it? (optional)",
    "improve_comment": "What could they do better? (optional)",
    "product_comment": "Anything for our product team? (optional)",
    "product_contact_ok": "The product team may contact me about this",
    "reveal_identity": "You may tell them who I am",
}
TEXTS = ("promise_note", "improve_comment", "product_comment")
CHECKBOXES = ("product_contact_ok", "reveal_identity")
_BY_NAME = {question.name: question for question in QUESTIONS}


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"Please keep this under {limit:,} characters.")


def _radio(name: str, **options) -> RadioField:
    question = _BY_NAME[name]
    return RadioField(question.label,
                      choices=[SelectChoice(value, label) for value, label in question.choices],
                      validators=[InputRequired(question.required)], **options)


class SurveyForm(FlaskForm):
    respected = _radio("respected", coerce=int)
    helped = _radio("helped", coerce=int)
    pressure = _radio("pressure")
    doubtful_promise = _radio("doubtful_promise")
    promise_note = TextAreaField(LABELS["promise_note"],
                                 validators=[Optional(), _at_most(NOTE_MAX)])
    improve_comment = TextAreaField(LABELS["improve_comment"],
                                    validators=[Optional(), _at_most(IMPROVE_MAX)])
    product_comment = TextAreaField(LABELS["product_comment"],
                                    validators=[Optional(), _at_most(PRODUCT_MAX)])
    product_contact_ok = BooleanField(LABELS["product_contact_ok"])
    reveal_identity = BooleanField(LABELS["reveal_identity"])
    submit = SubmitField("Send my answers")

    def shown_values(self) -> dict[str, object]:
        """What the customer sent, to show it again next to the errors."""
        values: dict[str, object] = {
            question.name: None if self[question.name].data is None
            else str(self[question.name].data)
            for question in QUESTIONS
        }
        values.update({name: self[name].data or "" for name in TEXTS})
        values.update({name: bool(self[name].data) for name in CHECKBOXES})
        return values


class UnsubscribeForm(FlaskForm):
    """One button; exempt from CSRF because RFC 8058 one-click posts carry no token."""

    class Meta:
        csrf = False

    submit = SubmitField("Unsubscribe me")
