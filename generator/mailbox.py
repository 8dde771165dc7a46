"""An SMTP server that keeps what it is sent: the local stack's stand-in for
the mail relay a project's password-reset messages go through."""

import email
import email.policy
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from generator.loopback import free_port


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(host="127.0.0.1"):
    """A Mailbox listening on a free port of `host` until the block ends."""
    from aiosmtpd.controller import Controller  # only stacks that send mail

    mailbox = Mailbox(host, free_port())
    controller = Controller(mailbox, hostname=host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
