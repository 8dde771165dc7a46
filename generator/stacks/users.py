"""The users a stack's checks act as, made and signed in the one way: a
sign-up through the site, or createsuperuser where the project has none;
then the token endpoint through Nginx."""

import secrets
from dataclasses import dataclass

from generator.checking import check


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
    if stack.project.answers["allow_registration"]:
        response = stack.https.post(
            "/api/auth/register/",
            {"username": user.username, "email": user.email,
             "password": user.password},
        )  # fmt: skip
        check(
            response.status == 201,
            f"register answered {response.status}: {response.body[:200]}",
        )
    else:
        stack.create_superuser(user)
    user.made = True


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
