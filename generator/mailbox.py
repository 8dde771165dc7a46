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
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count, timeout=10):
        """The first `count` messages, once that many have arrived."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                return None
            return self.messages[:count]


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
