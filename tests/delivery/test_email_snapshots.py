"""The survey email and its reminder, exactly as the relay receives them.

Compared with the files in tests/delivery/snapshots/ after replacing what changes on every
run (the link token, the invitation id, the date, the MIME boundaries). When a change to
the email is intended, regenerate and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/delivery/test_email_snapshots.py
"""

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

_NORMALISE = [
    (re.compile(r"/([su])/[A-Za-z0-9_-]{32}"), r"/\1/<TOKEN>"),
    (re.compile(r"<(survey|reminder)\.\d+@"), r"<\1.<ID>@"),
    (re.compile(r"^Date: .*$", re.MULTILINE), "Date: <DATE>"),
    (re.compile(r"={15}\d+=="), "<BOUNDARY>"),
]

#: A fixed Tuesday, so "Thank you for your time on ..." never changes.
NOW = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n")
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def _structure(mail, depth: int = 0) -> list[str]:
    line = f"{'  ' * depth}{mail.get_content_type()}"
    if not mail.is_multipart():
        line += (f"; charset={mail.get_content_charset()}"
                 f"; {mail['Content-Transfer-Encoding']}")
    lines = [line]
    for part in mail.iter_parts():
        lines += _structure(part, depth + 1)
    return lines


def rendered(received) -> dict[str, str]:
    """The three snapshot files for one received email."""
    header_block = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    mail = received.message
    return {
        "headers.txt": normalise(header_block) + "\n\n-- MIME structure --\n"
        + "\n".join(_structure(mail)) + "\n",
        "body.txt": normalise(mail.get_body(("plain",)).get_content()),
        "body.html": normalise(mail.get_body(("html",)).get_content()),
    }


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    how = ("regenerate with UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest "
           "tests/delivery/test_email_snapshots.py, then review the diff")
    assert path.exists(), f"no snapshot {path}; {how}"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"the email differs from {path}; if that is intended, {how}"


@pytest.fixture
def survey_and_reminder(outbox, log_conversation, make_user, smtp_server, settings):
    ana = make_user(name="Ana Lopez", email="ana.lopez@staff.example")
    log_conversation(ana, email="Rosa.Diaz@Client.example", name="Rosa Díaz",
                     company="Brightline", occurred_at=NOW - timedelta(hours=3, minutes=30),
                     now=NOW)
    assert outbox.run(NOW).sent == 1
    assert outbox.run(NOW + settings.reminder_after).sent == 1
    return smtp_server.received


@pytest.mark.parametrize("which", ["survey", "reminder"])
def test_email_matches_snapshot(survey_and_reminder, which):
    received = survey_and_reminder[["survey", "reminder"].index(which)]
    for suffix, text in rendered(received).items():
        check_snapshot(f"{which}.{suffix}", text)


def test_normalising_hides_only_what_changes_between_runs(survey_and_reminder):
    """The snapshots stay meaningful: the token is hidden, nothing else about the links."""
    survey = rendered(survey_and_reminder[0])
    # Five rating buttons, the form link and "delete my answer".
    assert survey["body.txt"].count("https://feedback.test/s/<TOKEN>") == 7
    assert "https://feedback.test/u/<TOKEN>" in survey["body.html"]
    assert "Message-ID: <survey.<ID>@localhost>" in survey["headers.txt"]
    assert not re.search(r"[A-Za-z0-9_-]{32}", survey["body.txt"] + survey["body.html"])


def test_eight_bit_parts_are_declared_to_the_relay(survey_and_reminder):
    """Flask-Mail writes UTF-8 text as raw 8bit; RFC 6152 wants BODY=8BITMIME for that."""
    for received in survey_and_reminder:
        assert any(byte > 127 for byte in received.data)
        assert "BODY=8BITMIME" in received.mail_options


def test_the_reminder_threads_under_the_first_email(survey_and_reminder):
    """Mail programs show the reminder as part of the first email's conversation."""
    first, reminder = (received.message for received in survey_and_reminder)
    assert reminder["In-Reply-To"] == first["Message-ID"]
    assert reminder["References"] == first["Message-ID"]
    assert first["In-Reply-To"] is None
