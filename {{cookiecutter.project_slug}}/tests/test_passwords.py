import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def change(client, old, new=NEW_PASSWORD):
    return client.post(
        "/api/auth/password/change/", {"old_password": old, "new_password": new}
    )


def bearer(token):
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return signed_in


def test_changing_the_password_needs_a_token(client, password):
    assert change(client, password).status_code == 401


def test_the_old_password_must_be_right(auth_client, user, password):
    response = change(auth_client, "not-the-password")
    assert response.status_code == 400
    assert "old_password" in response.json()["fields"]
    user.refresh_from_db()
    assert user.check_password(password)


def test_the_new_password_is_validated(auth_client, password):
    response = change(auth_client, password, new="12345678")
    assert response.status_code == 400
    assert "new_password" in response.json()["fields"]


def test_a_change_ends_every_session_but_answers_a_new_pair(
    client, auth_client, user, password, tokens
):
    other_session = client.post(
        "/api/auth/token/", {"username": user.username, "password": password}
    ).json()

    response = change(auth_client, password)
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    for old in (tokens, other_session):
        assert (
            client.post(
                "/api/auth/token/refresh/", {"refresh": old["refresh"]}
            ).status_code
            == 401
        )
        assert bearer(old["access"]).get("/api/auth/me/").status_code == 401
    fresh = response.json()
    assert bearer(fresh["access"]).get("/api/auth/me/").status_code == 200
    assert (
        client.post(
            "/api/auth/token/refresh/", {"refresh": fresh["refresh"]}
        ).status_code
        == 200
    )


def test_the_new_password_must_differ_from_the_current_one(auth_client, password):
    response = change(auth_client, password, new=password)
    assert response.status_code == 400
    assert response.json()["fields"]["new_password"] == [
        "The new password is the current one: choose another."
    ]
