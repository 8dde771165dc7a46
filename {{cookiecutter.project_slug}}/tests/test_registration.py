import pytest
from django.contrib.auth import get_user_model

from {{ cookiecutter.project_slug }}.accounts.registration import RegisterSerializer

pytestmark = pytest.mark.django_db


def sign_up(client, password, username="carol"):
    return client.post(
        "/api/auth/register/",
        {
            "username": username,
            "email": f"{username}@example.com",
            "password": password,
        },
    )


def test_register_creates_a_user_that_can_log_in(client, password):
    response = sign_up(client, password)
    assert response.status_code == 201
    assert "password" not in response.json()
    user = get_user_model().objects.get(username="carol")
    assert user.check_password(password)
    login = client.post("/api/auth/token/", {"username": "carol", "password": password})
    assert login.status_code == 200


@pytest.mark.parametrize("weak", ["short", "12345678901", "password123", "carol1234"])
def test_weak_passwords_are_refused(client, weak):
    response = sign_up(client, weak)
    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    assert not get_user_model().objects.filter(username="carol").exists()


def test_a_taken_username_is_refused(client, user, password):
    response = sign_up(client, password, username=user.username)
    assert response.status_code == 400
    assert "username" in response.json()["fields"]


def test_registration_is_throttled_per_client(client, password, throttle_limit):
    for number in range(throttle_limit("register")):
        assert sign_up(client, password, username=f"user{number}").status_code == 201
    assert sign_up(client, password, username="one_too_many").status_code == 429


@pytest.mark.parametrize(
    "lookalike",
    ["Alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45"],  # the last is fullwidth
    ids=["capitalised", "upper", "fullwidth"],
)
def test_a_username_that_differs_only_in_case_or_form_is_taken(
    client, user, password, lookalike
):
    response = client.post(
        "/api/auth/register/",
        {"username": lookalike, "email": "other@example.com", "password": password},
    )
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["username"] == [
        "A user with that username already exists."
    ]
    assert get_user_model().objects.count() == 1


def test_a_username_with_lookalike_letters_is_refused(client, user, password):
    cyrillic_a = "\u0430lice"
    response = client.post(
        "/api/auth/register/",
        {"username": cyrillic_a, "email": "other@example.com", "password": password},
    )
    assert response.status_code == 400
    assert "username" in response.json()["fields"]


@pytest.mark.parametrize(
    "address",
    ["ALICE@example.com", "alice@EXAMPLE.com", "\uff41lice@example.com"],
    ids=["local-part-case", "domain-case", "fullwidth"],
)
def test_an_email_that_differs_only_in_case_or_form_is_taken(
    client, user, password, address
):
    response = client.post(
        "/api/auth/register/",
        {"username": "mallory", "email": address, "password": password},
    )
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["email"] == [
        "A user with that email address already exists."
    ]


def test_names_are_stored_in_one_form(client, password):
    response = client.post(
        "/api/auth/register/",
        {
            "username": "\uff23arol",
            "email": "Carol@Example.COM",
            "password": password,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["username"] == "Carol"
    assert response.json()["email"] == "carol@example.com"


def test_a_sign_up_that_loses_a_race_for_its_name_gets_400(
    client, password, monkeypatch
):
    # Another request takes the name after this one's check and before its
    # insert, which is what four concurrent sign-ups with one name do.
    check = RegisterSerializer.validate

    def validate_then_lose_the_race(self, attrs):
        attrs = check(self, attrs)
        get_user_model().objects.create_user(
            username="CAROL", email="first@example.com", password=password
        )
        return attrs

    monkeypatch.setattr(RegisterSerializer, "validate", validate_then_lose_the_race)
    response = sign_up(client, password)
    assert response.status_code == 400, response.content
    assert response.json()["fields"] == {
        "username": ["A user with that username already exists."]
    }
