"""The survey's multiple-choice questions as HTML, each state rendered once and reused.

A question's fieldset depends only on the question and on which choice is ticked, unless
it shows errors. Four questions with at most six states each: rendering them once per
process, not once per visit, takes most of the work out of the page customers wait for.
The HTML comes from the same autoescaped template either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

from feedback.survey.forms import Question

TEMPLATE = "survey/_choices.html"


def choice_group(question: Question, chosen: object = None,
                 errors: Sequence[str] = ()) -> Markup:
    """The fieldset for `question` with `chosen` ticked and `errors` shown."""
    known = chosen is None or any(chosen == value for value, _ in question.choices)
    if errors or not known or current_app.jinja_env.auto_reload:
        return _render(question, chosen, tuple(errors))
    return _reused(question, chosen)


@lru_cache(maxsize=64)
def _reused(question: Question, chosen: str | None) -> Markup:
    return _render(question, chosen, ())


def _render(question: Question, chosen: object, errors: tuple[str, ...]) -> Markup:
    template = current_app.jinja_env.get_template(TEMPLATE)
    return Markup(template.render(question=question, chosen=chosen, errors=errors))  # noqa: S704 - autoescaped template output
