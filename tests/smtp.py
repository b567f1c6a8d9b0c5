"""A local SMTP server for the notices' tests (aiosmtpd, on a loopback port): it keeps every
message it accepts. It can be started late on a port chosen before, so a test sees a server
that is down, then up."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """aiosmtpd's handler: the messages received, each with its envelope's recipients."""

    def __init__(self, port: int | None = None, refuse: set[str] | None = None) -> None:
        self.port = port or free_port()
        self.refuse = refuse or set()  # addresses answered "550 no such mailbox"
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def start(self) -> Mailbox:
        """Listen on ``port`` (returns once the server answers)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def env(self) -> dict[str, str]:
        """The settings that send to this server."""
        return {"CHITIEU_SMTP_HOST": "127.0.0.1", "CHITIEU_SMTP_PORT": str(self.port),
                "CHITIEU_SMTP_FROM": "chitieu@so-tttt.test"}  # fmt: skip

    def ids(self) -> list[str]:
        """The Message-IDs received, in order."""
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]
