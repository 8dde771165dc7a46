import pytest
from django.contrib.auth import get_user_model

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
