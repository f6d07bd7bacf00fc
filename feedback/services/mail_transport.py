"""Where outgoing mail goes: a real SMTP relay, or the development mailbox on disk."""

from __future__ import annotations

import smtplib
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_mail import Message

from feedback.extensions import mail


@dataclass(frozen=True)
class SendFailure(Exception):
    """A message was not accepted. `permanent` means: do not try this address again."""

    reason: str
    permanent: bool
    mailbox_unknown: bool = False


_UNKNOWN_MAILBOX_HINTS = ("5.1.1", "5.1.0", "5.1.10", "no such user", "does not exist",
                          "unknown user", "user unknown", "mailbox unavailable", "not found")


def _classify(code: int, text: bytes | str) -> SendFailure:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reason = f"{code} {message}".strip()[:400]
    permanent = 500 <= code < 600
    unknown = permanent and code in (550, 551, 553) and any(
        hint in message.lower() for hint in _UNKNOWN_MAILBOX_HINTS
    )
    return SendFailure(reason=reason, permanent=permanent, mailbox_unknown=unknown)


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

    def _open(self):
        if self._connection is None:
            timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
            previous = socket.getdefaulttimeout()
            socket.setdefaulttimeout(timeout)
            try:
                connection = mail.connect()
                connection.__enter__()
            finally:
                socket.setdefaulttimeout(previous)
            self._connection = connection
        return self._connection

    def send(self, message: Message) -> None:
        """Hand one message to the relay or raise SendFailure."""
        try:
            self._open().send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _classify(code, text) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            # smtplib has already sent RSET: the connection is still good.
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused, timed out or disconnected: nothing was accepted, try again later.
            self._drop()
            raise SendFailure(f"{type(exc).__name__}: {exc}"[:400], permanent=False) from exc

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
