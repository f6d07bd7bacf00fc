"""Hostile text for every field a person can type into, and the checks that it came out
harmless: escaped in HTML, as typed in plain text and JSON, inert in a spreadsheet.

Every check is two-sided where it can be: the dangerous form is absent *and* the escaped
form is present, so a page cannot pass by leaving the text out.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from markupsafe import escape

#: One payload per attack on the way text is shown. Each fits the shortest text field
#: (120 characters) with a field tag appended.
PAYLOADS: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '"><img src=x onerror=alert(1)>',
    "javascript-url": "javascript:alert(1)",
    "template": "{{7*7}} ${7*7} {% raw %}{{ config }}{% endraw %}",
    "textarea-break": "</textarea><script>alert(1)</script>",
    "svg-onload": "<svg/onload=alert(1)>",
    "attribute-break": "' onmouseover='alert(1)' \" autofocus onfocus=\"alert(1)",
    "rtl-override": "\u202egnp.exe\u202c invoice",
    "csv-formula": '=HYPERLINK("http://evil.example","click")',
}

#: Characters whose raw appearance in HTML means the text was not escaped.
_HTML_SPECIAL = set("<>\"'&")
#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Attributes that hold a URL a browser may navigate to or load.
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                   "background", "srcdoc"}
#: Elements no page of ours ever contains; one in a page came from someone's text.
_FOREIGN = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}


def tagged(payload: str, tag: str) -> str:
    """The payload with a short field tag, so each field's text is told apart on a page."""
    return f"{payload} #{tag}"


def email_for(tag: str, domain: str = "client.example") -> str:
    """A valid address whose local part would break out of a single-quoted attribute and
    run as a template if it were not escaped (RFC 5322 allows ' & { } = * in it)."""
    return f"{tag}'onfocus=alert&{{{{7*7}}}}@{domain}"


def first_word(text: str) -> str:
    """What a greeting shows of a name ("Ana Lopez" -> "Ana")."""
    return text.split()[0] if text.strip() else text


def escaped(text: str) -> str:
    """The text as the templates escape it."""
    return str(escape(text))


class _Markup(HTMLParser):
    """Walks a page and notes anything that would run: scripts, event handlers,
    javascript: URLs, frames."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "script":
            self._in_script = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:80]!r}")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"a <script> that is not one of ours: {attrs!r}")
        if tag in _FOREIGN:
            self.problems.append(f"a <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in _URL_ATTRIBUTES and _scheme(value or "") in ("javascript", "vbscript"):
                self.problems.append(f"{name}={value!r} on <{tag}>")


def _scheme(url: str) -> str:
    # Browsers ignore control characters and spaces before and inside a scheme.
    cleaned = re.sub(r"[\x00-\x20]", "", url).lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned else ""


def markup_problems(html: str) -> list[str]:
    """Everything in the page that a browser would run."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_inert(html: str, planted: list[str], where: str) -> None:
    """Nothing in `html` would run, and none of the `planted` texts appears unescaped."""
    problems = markup_problems(html)
    assert not problems, f"{where}: {problems}"
    for text in planted:
        if _HTML_SPECIAL & set(text):
            assert text not in html, f"{where}: unescaped {text!r}"


def assert_shows_escaped(html: str, text: str, where: str) -> None:
    """`text` is on the page, escaped (so the page cannot pass by leaving it out)."""
    assert escaped(text) in html, f"{where}: {text!r} is not shown (escaped)"


def csv_cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def assert_no_formulas(body: str, where: str) -> None:
    """No cell of a CSV file would run as a formula in a spreadsheet."""
    for number, row in enumerate(csv_cells(body), start=1):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{where} row {number}: {cell!r}"


def as_a_spreadsheet_keeps_it(text: str) -> str:
    """How an exported cell must hold `text`: as typed, with a quote in front of a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
