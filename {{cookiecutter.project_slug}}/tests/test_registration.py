"""Sign-up by a mailed link: the answer never tells whether an address has
an account, and the account is made only from the link."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

SENT = "Check your inbox: a link to finish signing up is on its way to the address."


def sign_up(client, username="carol", email=None):
    return client.post(
        "/api/auth/register/",
        {"username": username, "email": email or f"{username}@example.com"},
    )


def finish(client, token, password):
    return client.post(
        "/api/auth/register/confirm/", {"token": token, "password": password}
    )


def token_from_the_message():
    return re.search(r"token: (\S+)", mail.outbox[-1].body)[1]


def test_the_link_makes_an_account_that_can_sign_in(client, password):
    response = sign_up(client)
    assert (response.status_code, response.json()) == (202, {"detail": SENT})
    assert not get_user_model().objects.filter(username="carol").exists()
    made = finish(client, token_from_the_message(), password)
    assert made.status_code == 201, made.content
    assert made.json()["username"] == "carol"
    assert "password" not in made.json()
    login = client.post("/api/auth/token/", {"username": "carol", "password": password})
    assert login.status_code == 200


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice(client, user):
    free, taken = sign_up(client), sign_up(client, "mallory", email=user.email)
    assert (free.status_code, free.json()) == (taken.status_code, taken.json())
    assert [message.to for message in mail.outbox] == [
        ["carol@example.com"],
        [user.email],
    ]
    assert "already has an account: alice" in mail.outbox[-1].body
    assert "token:" not in mail.outbox[-1].body


def test_a_link_works_once(client, password):
    sign_up(client)
    token = token_from_the_message()
    assert finish(client, token, password).status_code == 201
    again = finish(client, token, password)
    assert again.status_code == 400
    assert "token" in again.json()["fields"]
    assert get_user_model().objects.count() == 1


def test_a_link_expires(client, password, settings, monkeypatch):
    sign_up(client)
    token = token_from_the_message()
    settings.ACCOUNT_LINK_TIMEOUT = -1
    response = finish(client, token, password)
    assert response.status_code == 400
    assert "token" in response.json()["fields"]


def test_a_forged_link_is_refused(client, password):
    sign_up(client)
    token = token_from_the_message()
    response = finish(client, token[:-1] + ("A" if token[-1] != "A" else "B"), password)
    assert response.status_code == 400


@pytest.mark.parametrize("weak", ["short", "12345678901", "password123", "carol1234"])
def test_weak_passwords_are_refused(client, weak):
    sign_up(client)
    response = finish(client, token_from_the_message(), weak)
    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    assert not get_user_model().objects.filter(username="carol").exists()


def test_a_taken_username_is_refused(client, user):
    response = sign_up(client, username=user.username, email="other@example.com")
    assert response.status_code == 400
    assert "username" in response.json()["fields"]
    assert mail.outbox == []


def test_a_username_taken_after_the_link_was_sent_refuses_the_link(
    client, password, make_user
):
    sign_up(client)
    token = token_from_the_message()
    make_user("CAROL")
    response = finish(client, token, password)
    assert response.status_code == 400
    assert "token" in response.json()["fields"]


def test_registration_is_throttled_per_client(client, throttle_limit):
    for number in range(throttle_limit("register")):
        assert sign_up(client, username=f"user{number}").status_code == 202
    assert sign_up(client, username="one_too_many").status_code == 429


@pytest.mark.parametrize(
    "lookalike",
    ["Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45"],  # the last is fullwidth
    ids=["capitalised", "upper", "fullwidth"],
)
def test_a_username_that_differs_only_in_case_or_form_is_taken(client, user, lookalike):
    response = sign_up(client, username=lookalike, email="other@example.com")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["username"] == [
        "A user with that username already exists."
    ]


def test_a_username_with_lookalike_letters_is_refused(client, user):
    response = sign_up(client, username="\u0430lice", email="other@example.com")
    assert response.status_code == 400
    assert "username" in response.json()["fields"]


@pytest.mark.parametrize(
    "address",
    ["ALICE@example.com", "alice@EXAMPLE.com", "\uff41lice@example.com"],
    ids=["local-part-case", "domain-case", "fullwidth"],
)
def test_an_address_that_differs_only_in_case_or_form_reaches_its_owner(
    client, user, address
):
    response = sign_up(client, username="mallory", email=address)
    assert response.status_code == 202, response.content
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert "already has an account" in mail.outbox[0].body


def test_names_are_stored_in_one_form(client, password):
    sign_up(client, username="\uff23arol", email="Carol@Example.COM")
    assert mail.outbox[0].to == ["carol@example.com"]
    made = finish(client, token_from_the_message(), password)
    assert made.status_code == 201, made.content
    assert (made.json()["username"], made.json()["email"]) == (
        "Carol",
        "carol@example.com",
    )
