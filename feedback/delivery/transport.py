"""Where outgoing mail goes: a real SMTP relay, or the development mailbox on disk."""

from __future__ import annotations

import re
import smtplib
import socket
import time
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import formataddr, parseaddr
from pathlib import Path

from flask import current_app
from flask_mail import Message

from feedback.core.extensions import mail


@dataclass(frozen=True)
class SendFailure(Exception):
    """A message was not accepted. `permanent` means: do not try this address again.

    `relay` means the relay itself failed (unreachable, refusing the session, closing
    the line), not this message: the rest of the batch would fail the same way.
    """

    reason: str
    permanent: bool
    mailbox_unknown: bool = False
    relay: bool = False


_UNKNOWN_MAILBOX_HINTS = ("5.1.1", "5.1.0", "5.1.10", "no such user", "does not exist",
                          "unknown user", "user unknown", "mailbox unavailable", "not found")


#: Characters that are address syntax in a From header (RFC 5322 specials), and controls.
_ADDRESS_SYNTAX = re.compile(r'[\x00-\x1f\x7f"(),:;<>@\[\\\]]')


def plain_sender(message: Message) -> None:
    """Keep the sender's display name a name, whatever a person's name contains.

    Flask-Mail writes messages with policy.SMTP, and Python before 3.12.5 refolds a
    long From header without the quotes around its display name: a salesperson called
    "Lopez, Ana <boss@example.com>" would become three addresses. Without the characters
    that mean address syntax, the name reads the same folded or not.
    """
    sender = message.sender
    name, address = parseaddr(sender) if isinstance(sender, str) else sender
    name = str(make_header(decode_header(name)))  # formataddr encodes a non-ASCII name
    message.sender = formataddr((" ".join(_ADDRESS_SYNTAX.sub(" ", name).split()), address))


def _text(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _classify(code: int, text: bytes | str) -> SendFailure:
    """A reply to this message's RCPT TO or DATA: 4xx retry, 5xx give up."""
    message = _text(text)
    reason = f"{code} {message}".strip()[:400]
    if code == 421:
        # "Service not available, closing transmission channel": about the relay.
        return SendFailure(reason=reason, permanent=False, relay=True)
    permanent = 500 <= code < 600
    unknown = permanent and code in (550, 551, 553) and any(
        hint in message.lower() for hint in _UNKNOWN_MAILBOX_HINTS
    )
    return SendFailure(reason=reason, permanent=permanent, mailbox_unknown=unknown)


def _relay_failure(exc: Exception) -> SendFailure:
    """The relay could not be reached or would not start a transaction: try again later.

    Even a 5xx here (bad credentials, a refused HELO, a refused sender) says nothing
    about the recipient, and giving up would fail every queued invitation at once.
    """
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        detail = str(exc)
    return SendFailure(f"relay: {type(exc).__name__}: {detail}".strip()[:400],
                       permanent=False, relay=True)


class SmtpTransport:
    """One SMTP connection reused for a batch; reopened after a disconnect."""

    def __init__(self) -> None:
        self._connection = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except (smtplib.SMTPException, OSError):
                # The messages were already accepted; a failed QUIT loses nothing.
                try:
                    connection.host.close()
                except OSError:
                    pass

    def _alive(self) -> bool:
        """Whether the open connection still answers (relays drop idle or busy lines)."""
        host = self._connection.host
        if host is None or host.sock is None:
            return False
        try:
            return host.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def _open(self):
        if self._connection is not None and not self._alive():
            # Nothing of the next message was sent yet: reconnecting cannot duplicate it.
            self._drop()
        if self._connection is None:
            timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
            previous = socket.getdefaulttimeout()
            socket.setdefaulttimeout(timeout)
            try:
                connection = mail.connect()
                connection.__enter__()
                self._connection = connection
                connection.host.ehlo_or_helo_if_needed()  # learn the extensions, e.g. 8BITMIME
            finally:
                socket.setdefaulttimeout(previous)
        return self._connection

    def send(self, message: Message) -> None:
        """Hand one message to the relay or raise SendFailure."""
        plain_sender(message)
        try:
            connection = self._open()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise _relay_failure(exc) from exc
        try:
            if connection.host.has_extn("8bitmime") and "BODY=8BITMIME" not in message.mail_options:
                # Flask-Mail writes UTF-8 parts as raw 8bit; RFC 6152 requires declaring it.
                message.mail_options = [*message.mail_options, "BODY=8BITMIME"]
            connection.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            failure = _classify(code, text)
            if failure.relay:
                self._drop()
            raise failure from exc
        except smtplib.SMTPDataError as exc:
            failure = _classify(exc.smtp_code, exc.smtp_error)
            if failure.relay:
                self._drop()
            else:
                self._reset()
            raise failure from exc
        except (smtplib.SMTPException, OSError) as exc:
            # A refused HELO or sender, a timeout, or the line dropped mid-message. We never
            # heard 250 for this message, so it is retried; if the relay kept it anyway (the
            # line died after the final dot) that retry is the one copy SMTP cannot rule out,
            # and it carries the same Message-ID.
            self._drop()
            raise _relay_failure(exc) from exc

    def _reset(self) -> None:
        """Leave the connection ready for the next message, or drop it.

        smtplib skips RSET when DATA itself is refused; the next MAIL FROM would
        then be "503 nested MAIL command".
        """
        try:
            if self._connection.host.rset()[0] == 250:
                return
        except (smtplib.SMTPException, OSError):
            pass
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.close()
            except OSError:
                pass


class DevMailboxTransport:
    """Development only: each message becomes an .eml file the app shows at /dev/mailbox."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> DevMailboxTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, message: Message) -> None:
        """Write the message where the dev mailbox page reads it."""
        plain_sender(message)
        if message.date is None:
            message.date = time.time()
        safe_id = "".join(ch for ch in message.msgId if ch.isalnum() or ch in ".-")[:80]
        path = self.folder / f"{int(message.date * 1000):015d}-{safe_id}.eml"
        path.write_bytes(message.as_bytes())


def dev_mailbox_folder() -> Path:
    """The folder the development mailbox lives in."""
    return Path(current_app.config["INSTANCE_DIR"]) / "dev_mailbox"


def open_transport():
    """The configured transport, as a context manager."""
    if current_app.config["MAIL_TRANSPORT"] == "dev_mailbox":
        return DevMailboxTransport(dev_mailbox_folder())
    return SmtpTransport()
