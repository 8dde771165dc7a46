"""Account lifecycle through Nginx, with the stack's own SMTP server
standing in for the mail relay: a forgotten password reset by email, a
sign-up finished by its mailed link, and an address changed only with the
password and a link mailed to the new address."""

import secrets

from generator.checking import check
from generator.runner import once
from generator.stacks.contract import HasMailbox, needs
from generator.stacks.users import (
    User,
    fresh_client,
    mailed_to,
    mailed_value,
    sign_in,
    sign_up_by_mail,
)


def mailbox(stack):
    check(
        stack.mailbox is not None,
        "the stack has no mail server: deploy/env.example names no DJANGO_EMAIL_HOST",
    )
    return stack.mailbox


def same_answer(first, second):
    check(
        first.status == second.status == 202 and first.body == second.body,
        f"{first.status} {first.body} against {second.status} {second.body}",
    )


@needs(HasMailbox)
def password_reset(stack):
    """The same answer for a known and an unknown address, one message for
    the known one, a token that sets the password once; the user then signs
    in with the new password. A user of its own each run: an address gets
    only a few account messages an hour (accounts/mail.py), and on hosts
    this check runs after every action. The stack's user signs in again,
    so the checks after this one have tokens that have not expired."""
    https, user, sent = stack.https, User.fresh(), mailbox(stack)
    stack.create_superuser(user)
    before = len(sent.messages)
    known = https.post("/api/auth/password/reset/", {"email": user.email.upper()})
    unknown = https.post("/api/auth/password/reset/", {"email": "nobody@example.com"})
    same_answer(known, unknown)
    message = mailed_to(sent, user.email, before, "Reset your password")
    reset = {
        "uid": mailed_value(message, "uid"),
        "token": mailed_value(message, "token"),
        "new_password": secrets.token_urlsafe(16),
    }
    done = https.post("/api/auth/password/reset/confirm/", reset)
    check(done.status == 204, f"confirm answered {done.status}: {done.body[:200]}")
    again = https.post("/api/auth/password/reset/confirm/", reset)
    check(again.status == 400, f"the token worked twice ({again.status})")
    check(
        len(sent.messages) == before + 1,
        f"{len(sent.messages) - before} messages for one known address",
    )
    user.password = reset["new_password"]
    sign_in(https, user)
    sign_in(https, stack.user)
    return "one message via SMTP; token used once; signed in with the new password"


@once
@needs(HasMailbox)
def sign_up_and_new_address(stack):
    """Sign-up answers alike for a taken address (its owner gets a notice)
    and makes the account from the mailed link, once; a new address takes
    the password, the old one hears of it, and me/ changes only once the
    link mailed to the new one is followed. Runs once: sign-ups are
    throttled per client and hour."""
    https, sent = fresh_client(stack), mailbox(stack)
    if not stack.project.answers["allow_registration"]:
        newcomer = User.fresh()
        stack.create_superuser(newcomer)
        newcomer.made = True
        signed_up = "no sign-up in this project"
    else:
        newcomer = User.fresh()
        before = len(sent.messages)
        sign_up_by_mail(https, sent, newcomer)
        taken = https.post(
            "/api/auth/register/",
            {"username": User.fresh().username, "email": newcomer.email},
        )
        free = https.post(
            "/api/auth/register/",
            {"username": User.fresh().username, "email": User.fresh().email},
        )
        same_answer(taken, free)
        mailed_to(sent, newcomer.email, before, "Someone tried to sign up")
        signed_up = "sign-up by link; a taken address answered alike, owner told"
    sign_in(https, newcomer)
    return signed_up + "; " + new_address(https, sent, newcomer)


def new_address(https, sent, user):
    asked = "/api/auth/email/change/"
    new = User.fresh().email
    without = https.post(asked, {"email": new}, token=user.access)
    check(without.status == 400, f"a change without the password: {without.status}")
    before = len(sent.messages)
    change = https.post(
        asked, {"email": new, "password": user.password}, token=user.access
    )
    check(change.status == 202, f"email/change answered {change.status}")
    mailed_to(sent, user.email, before, "Your address is changing")
    message = mailed_to(sent, new, before, "Confirm your new address")
    me = https.get("/api/auth/me/", token=user.access).json()
    check(me["email"] == user.email, f"me/ changed before the link: {me['email']}")
    link = {"token": mailed_value(message, "token")}
    followed = https.post("/api/auth/email/confirm/", link)
    check(followed.status == 200, f"email/confirm answered {followed.status}")
    again = https.post("/api/auth/email/confirm/", link)
    check(again.status == 400, f"the link worked twice ({again.status})")
    me = https.get("/api/auth/me/", token=user.access).json()
    check(me["email"] == new, f"me/ shows {me['email']}, not {new}")
    return "new address: password needed, old one told, changed by the link once"
