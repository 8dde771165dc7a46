"""Account lifecycle through Nginx: a forgotten password reset by email, with
the stack's own SMTP server standing in for the mail relay."""

import re
import secrets

from generator.checking import check
from generator.stacks.contract import HasMailbox, needs
from generator.stacks.users import sign_in


@needs(HasMailbox)
def password_reset(stack):
    """The same answer for a known and an unknown address, one message for
    the known one, a token that sets the password once; the stack's user then
    signs in with the new password (later checks use its fresh tokens)."""
    check(
        stack.mailbox is not None,
        "the stack has no mail server: deploy/env.example names no DJANGO_EMAIL_HOST",
    )
    https, user, mailbox = stack.https, stack.user, stack.mailbox
    before = len(mailbox.messages)
    known = https.post("/api/auth/password/reset/", {"email": user.email.upper()})
    unknown = https.post("/api/auth/password/reset/", {"email": "nobody@example.com"})
    check(
        known.status == unknown.status == 202 and known.body == unknown.body,
        f"known: {known.status} {known.body}, unknown: {unknown.status} {unknown.body}",
    )
    # Mail is sent before the answer, so whatever was sent has arrived.
    check(
        len(mailbox.messages) == before + 1,
        f"{len(mailbox.messages) - before} messages for one known address",
    )
    message = mailbox.messages[-1]
    check(message["To"] == user.email, f"the message went to {message['To']}")
    text = message.get_content()
    found = re.search(r"uid: (\S+)", text), re.search(r"token: (\S+)", text)
    check(all(found), f"no uid and token in the message:\n{text}")
    reset = {
        "uid": found[0][1],
        "token": found[1][1],
        "new_password": secrets.token_urlsafe(16),
    }
    done = https.post("/api/auth/password/reset/confirm/", reset)
    check(done.status == 204, f"confirm answered {done.status}: {done.body[:200]}")
    again = https.post("/api/auth/password/reset/confirm/", reset)
    check(again.status == 400, f"the token worked twice ({again.status})")

    user.password = reset["new_password"]
    sign_in(https, user)
    return "one message via SMTP; token used once; signed in with the new password"
