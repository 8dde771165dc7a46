"""Password reset by email, end to end through Django's test mail outbox."""

import re
import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def ask(client, email):
    return client.post("/api/auth/password/reset/", {"email": email})


def confirm(client, uid, token, new_password=NEW_PASSWORD):
    return client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": new_password},
    )


def token_from_the_message():
    body = mail.outbox[-1].body
    return re.search(r"uid: (\S+)", body)[1], re.search(r"token: (\S+)", body)[1]


def test_known_and_unknown_addresses_get_the_same_answer(client, user):
    known, unknown = ask(client, user.email), ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_the_address_is_compared_as_it_is_stored(client, user):
    ask(client, "ALICE@Example.com")
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_a_reset_sets_the_password_and_ends_every_session(
    client, user, tokens, password
):
    ask(client, user.email)
    uid, token = token_from_the_message()
    assert confirm(client, uid, token).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401
    old = client.post(
        "/api/auth/token/", {"username": user.username, "password": password}
    )
    assert old.status_code == 401


def test_a_token_works_once(client, user):
    ask(client, user.email)
    uid, token = token_from_the_message()
    assert confirm(client, uid, token).status_code == 204
    again = confirm(client, uid, token, new_password="yet-another-passphrase-7")
    assert again.status_code == 400
    assert "token" in again.json()["fields"]


def test_a_token_expires(client, user, settings, monkeypatch):
    ask(client, user.email)
    uid, token = token_from_the_message()
    # A minute past its lifetime, by the token generator's clock.
    lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    later = default_token_generator._now() + lifetime + timedelta(minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert confirm(client, uid, token).status_code == 400


@pytest.mark.parametrize(
    "uid, token",
    [("MQ", "garbage"), ("!!!", "1-2"), ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "1-2")],
)
def test_a_forged_token_is_refused(client, user, uid, token):
    response = confirm(client, uid, token)
    assert response.status_code == 400
    assert "token" in response.json()["fields"]


def test_the_new_password_is_validated(client, user):
    ask(client, user.email)
    uid, token = token_from_the_message()
    response = confirm(client, uid, token, new_password="12345678")
    assert response.status_code == 400
    assert "new_password" in response.json()["fields"]
    user.refresh_from_db()
    assert not user.check_password("12345678")


def test_a_mail_server_that_fails_changes_nothing_in_the_answer(
    client, user, monkeypatch
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "try later")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )
    response = ask(client, user.email)
    assert response.status_code == 202


def test_requests_are_throttled_per_client(client, user, throttle_limit):
    for _ in range(throttle_limit("reset_mail")):
        assert ask(client, user.email).status_code == 202
    assert ask(client, user.email).status_code == 429


def test_each_address_gets_a_few_messages_an_hour_from_any_client(user, settings):
    for number in range(settings.MAIL_PER_ADDRESS_PER_HOUR + 3):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{number + 1}")
        assert ask(client, user.email).status_code == 202
    assert len(mail.outbox) == settings.MAIL_PER_ADDRESS_PER_HOUR
