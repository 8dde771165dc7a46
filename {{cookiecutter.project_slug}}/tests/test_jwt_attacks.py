"""Forged, stale and misused tokens: each answered 401 with a JSON body."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from config.jwt_keys import new_keys

pytestmark = pytest.mark.django_db


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def me(client, token):
    return client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def refresh(client, token):
    return client.post("/api/auth/token/refresh/", {"refresh": token})


def sign(claims, key=None):
    """Sign claims as the API would: its audience and issuer, its key unless
    another is given."""
    jwt_settings = settings.SIMPLE_JWT
    claims = {"aud": jwt_settings["AUDIENCE"], "iss": jwt_settings["ISSUER"], **claims}
    key = key or jwt_settings["SIGNING_KEY"]
    return jwt.encode(claims, key, algorithm=jwt_settings["ALGORITHM"])


def another_key():
    return new_keys()["SIGNING_KEY"]


def test_alg_none_is_refused(client, user):
    claims = AccessToken.for_user(user).payload
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    assert_refused(me(client, f"{header}.{b64(json.dumps(claims).encode())}."))


def test_a_token_signed_with_another_key_is_refused(client, user):
    assert_refused(me(client, sign(AccessToken.for_user(user).payload, another_key())))


def test_a_payload_edited_after_signing_is_refused(client, user, make_user):
    victim = make_user("bob")
    header, payload, signature = str(AccessToken.for_user(user)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(victim.pk)
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    assert_refused(me(client, forged))


def test_an_expired_token_is_refused(client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_refused(me(client, token))


def test_a_token_not_valid_yet_is_refused(client, user):
    token = AccessToken.for_user(user)
    starts_later = token.current_time + timedelta(minutes=10)
    assert_refused(me(client, sign(token.payload | {"nbf": starts_later.timestamp()})))


def test_a_refresh_token_is_not_an_access_token(client, tokens):
    assert_refused(me(client, tokens["refresh"]))


def test_an_access_token_is_not_a_refresh_token(client, tokens):
    assert_refused(refresh(client, tokens["access"]))


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, tokens):
    # Two sessions of one user; the first one's refresh token leaks.
    rotated = refresh(client, tokens["refresh"])
    assert rotated.status_code == 200
    current = rotated.json()["refresh"]

    assert_refused(refresh(client, tokens["refresh"]))
    # The newest refresh token of that user no longer works either.
    assert_refused(refresh(client, current))


def test_reuse_of_a_forged_token_revokes_nothing(client, user, tokens):
    forged = sign(RefreshToken(tokens["refresh"]).payload, another_key())
    assert_refused(refresh(client, forged))
    assert refresh(client, tokens["refresh"]).status_code == 200


@pytest.mark.parametrize("how", ["deactivated", "deleted"])
def test_tokens_of_a_deactivated_or_deleted_user_are_refused(client, user, tokens, how):
    if how == "deleted":
        user.delete()
    else:
        user.is_active = False
        user.save()
    assert_refused(me(client, tokens["access"]))
    assert_refused(refresh(client, tokens["refresh"]))


def verify(client, token):
    return client.post("/api/auth/token/verify/", {"token": token})


def test_a_password_change_revokes_the_users_tokens(client, user, tokens):
    user.set_password("a-new-and-different-password")
    user.save()
    assert_refused(me(client, tokens["access"]))
    assert_refused(refresh(client, tokens["refresh"]))


@pytest.mark.parametrize("how", ["password changed", "deactivated", "deleted"])
def test_verify_refuses_what_authentication_refuses(client, user, tokens, how):
    assert verify(client, tokens["access"]).status_code == 200
    if how == "deleted":
        user.delete()
    elif how == "deactivated":
        user.is_active = False
        user.save()
    else:
        user.set_password("a-new-and-different-password")
        user.save()
    assert_refused(me(client, tokens["access"]))
    assert_refused(verify(client, tokens["access"]))
    assert_refused(verify(client, tokens["refresh"]))


def test_verify_refuses_a_logged_out_refresh_token(client, tokens):
    client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    assert_refused(verify(client, tokens["refresh"]))


@pytest.mark.parametrize(
    "claims",
    [
        {"user_id": "not-a-number"},
        {"user_id": ["1"]},
        {"user_id": None},
        {"exp": "9999999999"},
        {"exp": 1e300},
        {"jti": {"a": 1}},
    ],
    ids=[
        "user_id-word",
        "user_id-list",
        "user_id-null",
        "exp-string",
        "exp-huge",
        "jti-object",
    ],
)
def test_odd_claims_signed_with_the_real_key_are_refused(client, user, claims):
    # Signed right, these would be accepted: only the odd claim is wrong.
    assert me(client, sign(AccessToken.for_user(user).payload)).status_code == 200
    access = sign(AccessToken.for_user(user).payload | claims)
    refresh_token = sign(RefreshToken.for_user(user).payload | claims)
    assert_refused(me(client, access))
    assert_refused(verify(client, access))
    assert_refused(refresh(client, refresh_token))
    assert_refused(client.post("/api/auth/logout/", {"refresh": refresh_token}))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not.a.jwt",
        "Bearer \u00e9\u00e9\u00e9",
        "Basic dXNlcjpwYXNz",
        "Token abc",
    ],
)
def test_garbage_authorization_headers_are_refused(client, header):
    assert_refused(client.get("/api/auth/me/", HTTP_AUTHORIZATION=header))


def test_a_database_outage_answers_503_in_json(auth_client, monkeypatch):
    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", unreachable)
    response = auth_client.get("/api/auth/me/")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The service is unavailable")
    assert response["Retry-After"] == "5"


def test_unknown_paths_answer_404_in_json(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
