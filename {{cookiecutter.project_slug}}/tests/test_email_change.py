"""A new address takes the password and a link mailed to it; the old
address hears of it at once. One stolen access token is not enough."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

SENT = "A link to confirm the new address is on its way to it."


def ask(client, email, password):
    return client.post(
        "/api/auth/email/change/", {"email": email, "password": password}
    )


def follow(client, token):
    return client.post("/api/auth/email/confirm/", {"token": token})


def token_from_the_message():
    (confirmation,) = [m for m in mail.outbox if "token:" in m.body]
    return re.search(r"token: (\S+)", confirmation.body)[1]


def test_the_address_changes_only_once_the_link_is_followed(
    auth_client, client, user, password
):
    response = ask(auth_client, "Alice.New@Example.COM", password)
    assert (response.status_code, response.json()) == (202, {"detail": SENT})
    assert auth_client.get("/api/auth/me/").json()["email"] == "alice@example.com"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice.new@example.com",
        "alice@example.com",
    ]
    notice = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "alice.new@example.com" in notice.body and "token:" not in notice.body
    followed = follow(client, token_from_the_message())
    assert followed.status_code == 200, followed.content
    assert followed.json()["email"] == "alice.new@example.com"
    assert auth_client.get("/api/auth/me/").json()["email"] == "alice.new@example.com"


def test_a_stolen_access_token_alone_changes_nothing(auth_client, user):
    missing = auth_client.post("/api/auth/email/change/", {"email": "evil@example.com"})
    wrong = ask(auth_client, "evil@example.com", "not-the-password")
    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert "password" in missing.json()["fields"]
    assert wrong.json()["fields"]["password"] == ["The password is not correct."]
    assert mail.outbox == []


def test_the_answer_is_the_same_for_a_taken_address(
    auth_client, user, password, make_user
):
    make_user("bob")
    free = ask(auth_client, "free@example.com", password)
    taken = ask(auth_client, "BOB@example.com", password)
    assert (free.status_code, free.json()) == (taken.status_code, taken.json())
    to_bob = [m for m in mail.outbox if m.to == ["bob@example.com"]]
    assert len(to_bob) == 1 and "token:" not in to_bob[0].body


def test_a_link_works_once(auth_client, client, user, password):
    ask(auth_client, "new@example.com", password)
    token = token_from_the_message()
    assert follow(client, token).status_code == 200
    again = follow(client, token)
    assert again.status_code == 400
    assert "token" in again.json()["fields"]


def test_a_password_change_voids_the_link(auth_client, client, user, password):
    ask(auth_client, "new@example.com", password)
    token = token_from_the_message()
    user.set_password("a-brand-new-passphrase-42")
    user.save()
    assert follow(client, token).status_code == 400
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def test_a_link_expires(auth_client, client, user, password, settings):
    ask(auth_client, "new@example.com", password)
    token = token_from_the_message()
    settings.ACCOUNT_LINK_TIMEOUT = -1
    assert follow(client, token).status_code == 400


def test_an_address_taken_after_the_link_was_sent_refuses_the_link(
    auth_client, client, user, password, make_user
):
    ask(auth_client, "bob@example.com", password)
    token = token_from_the_message()
    make_user("bob")
    response = follow(client, token)
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def test_a_forged_link_is_refused(client, user):
    assert follow(client, "eyJ1c2VyIjoxfQ:1tXyZ:forged").status_code == 400


def test_asking_is_throttled_like_signing_in(auth_client, user, throttle_limit):
    for _ in range(throttle_limit("login")):
        assert ask(auth_client, "new@example.com", "wrong").status_code == 400
    assert ask(auth_client, "new@example.com", "wrong").status_code == 429
