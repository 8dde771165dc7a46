"""The users a stack's checks act as, made and signed in the one way: a
sign-up through the site, finished by the link mailed to the stack's
mailbox, or createsuperuser where the project has no sign-up or the stack
no mailbox; then the token endpoint through Nginx."""

import re
import secrets
from dataclasses import dataclass

from generator.checking import check, poll
from generator.stacks.contract import (
    HasClientAddresses,
    HasMailbox,
    MakesNewClients,
    provides,
)


@dataclass
class User:
    """Each run makes its own, so a stack can come up again on the same
    database."""

    username: str
    email: str
    password: str
    access: str = ""
    refresh: str = ""
    made: bool = False

    @classmethod
    def fresh(cls):
        name = f"verify_{secrets.token_hex(4)}"
        return cls(name, f"{name}@example.com", secrets.token_urlsafe(16))

    @property
    def credentials(self):
        return {"username": self.username, "password": self.password}


def sign_up(stack, user):
    """Make the user on the stack, once."""
    if user.made:
        return
    if stack.project.answers["allow_registration"] and mailbox_of(stack):
        sign_up_by_mail(stack.https, stack.mailbox, user)
    else:
        stack.create_superuser(user)
    user.made = True


def mailbox_of(stack):
    return stack.mailbox if provides(stack, HasMailbox) else None


def mailed_to(mailbox, address, since, subject):
    """The first message to address with this subject after the first
    `since` messages, waited for: mail may leave after the answer."""

    def found():
        return next(
            (
                message
                for message in mailbox.messages[since:]
                if message["To"] == address and message["Subject"] == subject
            ),
            None,
        )

    return poll(found, f"a message {subject!r} to {address}")


def mailed_value(message, name):
    """A value the message lists as `name: VALUE` (a token, a uid)."""
    found = re.search(rf"{name}: (\S+)", message.get_content())
    check(found, f"no {name} in the message {message['Subject']!r}")
    return found[1]


def sign_up_by_mail(client, mailbox, user):
    """Sign up, then finish with the mailed link's token and a password."""
    since = len(mailbox.messages)
    started = client.post(
        "/api/auth/register/", {"username": user.username, "email": user.email}
    )
    check(
        started.status == 202,
        f"register answered {started.status}: {started.body[:200]}",
    )
    message = mailed_to(mailbox, user.email, since, "Finish signing up")
    finished = client.post(
        "/api/auth/register/confirm/",
        {"token": mailed_value(message, "token"), "password": user.password},
    )
    check(
        finished.status == 201,
        f"register/confirm answered {finished.status}: {finished.body[:200]}",
    )


def sign_in(client, user):
    """The user's tokens from the token endpoint, through client."""
    response = client.post("/api/auth/token/", user.credentials)
    check(
        response.status == 200,
        f"token answered {response.status}: {response.body[:200]}",
    )
    tokens = response.json()
    user.access, user.refresh = tokens["access"], tokens["refresh"]
    return f"{user.username} signed in"


def signed_in(stack, user):
    """Made if need be, and signed in through the stack's client."""
    sign_up(stack, user)
    return sign_in(stack.https, user)


def fresh_client(stack):
    """A client from an address that has spent none of the sign-in budgets
    (Nginx's and the app's count per address)."""
    if provides(stack, MakesNewClients):
        stack.new_client_address()
        return stack.https
    check(provides(stack, HasClientAddresses), "the stack has one client address")
    return stack.https_from(stack.stranger)
