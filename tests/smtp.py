"""A real SMTP server for tests (aiosmtpd), with switches for the failures we must survive.

Switches live on `server.behaviour` and are reset between tests:

- `rcpt_replies` / `rcpt_reply_times`: one address gets e.g. "451 ..." or "550 ..." at RCPT TO;
- `mail_replies` / `mail_reply_times`: every message gets e.g. "421 ..." at MAIL FROM
  (the relay is overloaded or shutting down for everyone);
- `helo_reply`: the relay refuses the session itself at EHLO/HELO;
- `disconnect_after_data`: accept a message to this address, then drop the line;
- `data_delay`: a slow relay; it keeps the message, then waits before saying 250.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.MULTILINE | re.IGNORECASE)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    #: The ESMTP parameters of MAIL FROM, e.g. ["BODY=8BITMIME"].
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        # A regex over the header block: parsing a thousand whole messages takes seconds.
        headers = self.data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        match = _MESSAGE_ID.search(headers)
        return match.group(1).decode("ascii") if match else ""


@dataclass
class Behaviour:
    #: address -> "451 ..." or "550 ..." answered at RCPT TO.
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    #: How many more times each address gets its reply (None: always).
    rcpt_reply_times: dict[str, int] = field(default_factory=dict)
    #: A reply to every MAIL FROM, e.g. "421 4.3.2 Try again later" (None: accept).
    mail_reply: str | None = None
    #: How many more MAIL FROMs get `mail_reply` (None: always).
    mail_reply_times: int | None = None
    #: A reply to EHLO and HELO, e.g. "554 5.7.1 Not now" (None: accept).
    helo_reply: str | None = None
    #: Accept a message to one of these addresses, then drop the line before QUIT (once each).
    disconnect_after_data: set[str] = field(default_factory=set)
    #: Seconds to wait after keeping a message and before answering 250.
    data_delay: float = 0.0


def _take(remaining: int | None) -> tuple[bool, int | None]:
    """Whether a counted reply applies now, and how many remain afterwards."""
    if remaining is None:
        return True, None
    if remaining > 0:
        return True, remaining - 1
    return False, 0


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_EHLO(self, smtp_server, session, envelope, hostname, responses):
        if self.server.behaviour.helo_reply is not None:
            return [self.server.behaviour.helo_reply]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, smtp_server, session, envelope, hostname):
        if self.server.behaviour.helo_reply is not None:
            return self.server.behaviour.helo_reply
        session.host_name = hostname
        return f"250 {smtp_server.hostname}"

    async def handle_MAIL(self, smtp_server, session, envelope, address, mail_options):
        behaviour = self.server.behaviour
        if behaviour.mail_reply is not None:
            applies, behaviour.mail_reply_times = _take(behaviour.mail_reply_times)
            if applies:
                return behaviour.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        behaviour = self.server.behaviour
        with self.server.lock:
            self.server.rcpt_log.append(address.lower())
        reply = behaviour.rcpt_replies.get(address.lower())
        if reply is not None:
            applies, remaining = _take(behaviour.rcpt_reply_times.get(address.lower()))
            if remaining is not None:
                behaviour.rcpt_reply_times[address.lower()] = remaining
            if applies:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                         list(envelope.mail_options)))
        behaviour = self.server.behaviour
        if behaviour.data_delay:
            # The message is kept; a client killed now never hears that it was.
            await asyncio.sleep(behaviour.data_delay)
        recipients = {r.lower() for r in envelope.rcpt_tos}
        if recipients & behaviour.disconnect_after_data:
            behaviour.disconnect_after_data -= recipients
            # Accept the message, then drop the line before the client can say QUIT.
            smtp_server.transport.write(b"250 OK queued\r\n")
            smtp_server.transport.close()
            # Closing cancels this connection's task; wait here until it does.
            await asyncio.sleep(3600)
        return "250 OK queued"


class SmtpServer:
    """start()/stop() for a whole test session; reset() between tests; down()/up() mid-test."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = _free_port(host)
        self.received: list[Received] = []
        #: Every RCPT TO the server was asked, in order, accepted or not.
        self.rcpt_log: list[str] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      ready_timeout=10)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def down(self) -> None:
        """Simulate an outage: nothing listens on the port."""
        self.stop()

    def up(self) -> None:
        if not self.running:
            self.start()

    def reset(self) -> None:
        self.up()
        with self.lock:
            self.received.clear()
            self.rcpt_log.clear()
        self.behaviour = Behaviour()

    def messages_to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in {x.lower() for x in r.recipients}]

    def message_id_counts(self) -> Counter[str]:
        """How many times the server kept each Message-ID."""
        with self.lock:
            received = list(self.received)
        return Counter(r.message_id for r in received)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
