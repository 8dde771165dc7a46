"""How usernames and email addresses are compared (see the README): case
never matters, Unicode compatibility forms are folded, usernames are ASCII."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["alice", "ALICE", "\uff41\uff4c\uff49\uff43\uff45"])
def test_sign_in_ignores_case_and_width(client, user, password, typed):
    response = client.post(
        "/api/auth/token/", {"username": typed, "password": password}
    )
    assert response.status_code == 200, response.content


def test_the_database_refuses_a_username_differing_only_in_case(user):
    with pytest.raises(IntegrityError):
        get_user_model().objects.create_user(username="ALICE", email="a2@example.com")


def test_the_database_refuses_an_address_differing_only_in_case(user):
    with pytest.raises(IntegrityError):
        get_user_model().objects.create_user(username="bob", email="ALICE@example.com")


def test_a_list_body_is_a_400_not_a_500(auth_client):
    response = auth_client.post("/api/auth/email/change/", [1, 2], format="json")
    assert response.status_code == 400
