import unicodedata
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_login_returns_an_access_and_a_refresh_token(tokens):
    assert set(tokens) == {"access", "refresh"}


def test_answers_that_carry_tokens_are_never_stored(client, user, password):
    login = client.post(
        "/api/auth/token/", {"username": user.username, "password": password}
    )
    refreshed = client.post(
        "/api/auth/token/refresh/", {"refresh": login.json()["refresh"]}
    )
    for response in (login, refreshed):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_wrong_password_and_unknown_user_get_the_same_answer(client, user):
    wrong_password = client.post(
        "/api/auth/token/", {"username": user.username, "password": "wrong"}
    )
    unknown_user = client.post(
        "/api/auth/token/", {"username": "nobody", "password": "wrong"}
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()


def test_me_needs_a_token(client, user):
    assert client.get("/api/auth/me/").status_code == 401


def test_me_shows_the_signed_in_user(auth_client, user):
    response = auth_client.get("/api/auth/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert "password" not in response.json()


def test_me_cannot_be_changed_directly(auth_client, user):
    # One stolen access token must not be enough to move the account's address.
    response = auth_client.patch("/api/auth/me/", {"email": "mallory@example.com"})
    assert response.status_code == 405
    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert "no-store" in auth_client.get("/api/auth/me/")["Cache-Control"]


def test_refresh_rotates_and_blacklists_the_old_refresh_token(client, tokens):
    first = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]

    reused = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401


def test_logout_blacklists_the_refresh_token(client, tokens):
    response = client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    assert response.status_code == 204

    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401


def test_verify_accepts_a_fresh_token_and_refuses_garbage(client, tokens):
    good = client.post("/api/auth/token/verify/", {"token": tokens["access"]})
    bad = client.post("/api/auth/token/verify/", {"token": "not-a-token"})
    assert (good.status_code, bad.status_code) == (200, 401)


def test_an_expired_access_token_is_refused(client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert client.get("/api/auth/me/", **bearer(token)).status_code == 401


def test_a_token_for_another_audience_is_refused(client, user):
    claims = AccessToken.for_user(user).payload | {"aud": "another-service"}
    token = jwt.encode(
        claims,
        settings.SIMPLE_JWT["SIGNING_KEY"],
        algorithm=settings.SIMPLE_JWT["ALGORITHM"],
    )
    assert client.get("/api/auth/me/", **bearer(token)).status_code == 401


def test_tokens_carry_audience_and_issuer(tokens):
    header = jwt.get_unverified_header(tokens["access"])
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})
    assert header["alg"] == settings.SIMPLE_JWT["ALGORITHM"]
    assert claims["aud"] == settings.SIMPLE_JWT["AUDIENCE"]
    assert claims["iss"] == settings.SIMPLE_JWT["ISSUER"]


def test_access_tokens_are_short_lived_and_keys_are_not_the_secret_key():
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=10)
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"]
    assert settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY


def test_logins_are_throttled_per_client(client, user, password, throttle_limit):
    # Other usernames each time: the per-username delay (signin.py) stays out of it.
    for number in range(throttle_limit("login")):
        guess = {"username": f"nobody{number}", "password": "wrong"}
        assert client.post("/api/auth/token/", guess).status_code == 401
    throttled = client.post(
        "/api/auth/token/", {"username": user.username, "password": password}
    )
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_health_answers_while_the_database_does(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_token_revoked_by_a_password_change_cannot_sign_the_owner_out(
    client, user, tokens, password
):
    # A thief holds the old refresh token; the owner resets the password
    # and signs in again.
    stolen = tokens["refresh"]
    user.set_password("a-brand-new-passphrase-42")
    user.save()
    fresh = client.post(
        "/api/auth/token/",
        {"username": user.username, "password": "a-brand-new-passphrase-42"},
    ).json()
    # Logout with the stolen token is refused and changes nothing ...
    logout = client.post("/api/auth/logout/", {"refresh": stolen})
    assert logout.status_code == 401
    assert logout.json()["code"] == "password_changed"
    # ... so presenting it again cannot revoke the owner's new tokens.
    for _ in range(3):
        assert (
            client.post("/api/auth/token/refresh/", {"refresh": stolen}).status_code
            == 401
        )
    assert (
        client.post(
            "/api/auth/token/refresh/", {"refresh": fresh["refresh"]}
        ).status_code
        == 200
    )


def test_a_reused_refresh_token_still_revokes_the_family(client, tokens):
    rotated = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    reused = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert (rotated.status_code, reused.status_code) == (200, 401)
    later = client.post(
        "/api/auth/token/refresh/", {"refresh": rotated.json()["refresh"]}
    )
    assert later.status_code == 401


def test_logout_of_a_logged_out_token_is_a_401(client, tokens):
    assert (
        client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}).status_code
        == 204
    )
    again = client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401


def test_long_fields_are_refused_before_they_are_normalised(client, monkeypatch):
    longest = []
    normalize = unicodedata.normalize

    def measured(form, text):
        longest.append(len(text))
        return normalize(form, text)

    monkeypatch.setattr(unicodedata, "normalize", measured)
    huge = "\ufdfa" * 300_000
    for path, body in (
        ("/api/auth/token/", {"username": huge, "password": huge}),
        ("/api/auth/password/reset/", {"email": huge + "@example.com"}),
    ):
        response = client.post(path, body)
        assert response.status_code == 400, (path, response.content)
    assert max(longest, default=0) <= 254
