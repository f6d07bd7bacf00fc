"""Form pieces more than one area uses: row ids from a form, lists of checkboxes."""

from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

#: Ids are 32-bit on every database: a larger number names no row, and some drivers fail on it.
ID_LIMIT = 2**31 - 1


def row_id(value) -> int:
    """A submitted id as an int, or ValueError (a form error) if no row can have it."""
    number = int(value)
    if not 0 <= number <= ID_LIMIT:
        raise ValueError("not an id")
    return number


class Checkboxes(SelectMultipleField):
    """A list of checkboxes (one label each) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
