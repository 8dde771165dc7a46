import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def make_user(db):
    def make(username="alice"):
        return get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password=PASSWORD
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def tokens(client, user):
    response = client.post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def auth_client(tokens):
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return signed_in


@pytest.fixture
def throttle_limit(settings):
    """How many requests a throttle scope allows per period, from the settings."""

    def limit(scope):
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
        return int(rate.split("/")[0])

    return limit
