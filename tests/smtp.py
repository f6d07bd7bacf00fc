"""A real SMTP server for tests (aiosmtpd), with switches for the failures we must survive."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller



@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


@dataclass
class Behaviour:
    #: address -> "451 ..." or "550 ..." answered at RCPT TO.
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    #: How many more times each address gets its reply (None: always).
    rcpt_reply_times: dict[str, int] = field(default_factory=dict)
    #: Drop the connection right after accepting this many messages' DATA.
    disconnect_after_data: set[str] = field(default_factory=set)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        behaviour = self.server.behaviour
        reply = behaviour.rcpt_replies.get(address.lower())
        if reply is not None:
            remaining = behaviour.rcpt_reply_times.get(address.lower())
            if remaining is None or remaining > 0:
                if remaining is not None:
                    behaviour.rcpt_reply_times[address.lower()] = remaining - 1
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        recipients = {r.lower() for r in envelope.rcpt_tos}
        if recipients & self.server.behaviour.disconnect_after_data:
            self.server.behaviour.disconnect_after_data -= recipients
            # Accept the message, then drop the line before the client can say QUIT.
            smtp_server.transport.write(b"250 OK queued\r\n")
            smtp_server.transport.close()
            return None
        return "250 OK queued"




class SmtpServer:
    """start()/stop() for a whole test session; reset() between tests; down()/up() mid-test."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = _free_port(host)
        self.received: list[Received] = []
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
        self.behaviour = Behaviour()

    def messages_to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in {x.lower() for x in r.recipients}]


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
