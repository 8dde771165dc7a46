import base64
import hashlib
import hmac
import json
import stat

import jwt
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework_simplejwt.tokens import AccessToken

from config import jwt_keys

pytestmark = pytest.mark.django_db


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_tokens_verify_with_the_public_key(tokens):
    claims = jwt.decode(
        tokens["access"],
        settings.SIMPLE_JWT["VERIFYING_KEY"],
        algorithms=["RS256"],
        audience=settings.SIMPLE_JWT["AUDIENCE"],
    )
    assert claims["token_type"] == "access"


def test_public_key_used_as_an_hmac_secret_is_refused(client, user):
    # Algorithm confusion: sign HS256 with the (public) verifying key by hand,
    # since PyJWT itself refuses to build such a token.
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(AccessToken.for_user(user).payload).encode())
    signing_input = f"{header}.{payload}".encode()
    secret = settings.SIMPLE_JWT["VERIFYING_KEY"].encode()
    signature = b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
    token = f"{header}.{payload}.{signature}"

    response = client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def key_files(folder, monkeypatch):
    paths = folder / "keys" / "private.pem", folder / "keys" / "public.pem"
    for variable, path in zip(jwt_keys.VARIABLES, paths, strict=True):
        monkeypatch.setenv(variable, str(path))
    return paths


def test_development_makes_a_private_pair_once(tmp_path, monkeypatch):
    private, public = key_files(tmp_path, monkeypatch)
    made = jwt_keys.development_keys()
    for path in (private, public):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    assert jwt_keys.development_keys() == made


def test_a_public_key_of_another_pair_is_refused(tmp_path, monkeypatch):
    _, public = key_files(tmp_path, monkeypatch)
    jwt_keys.development_keys()
    public.write_text(jwt_keys.new_keys()["VERIFYING_KEY"])
    with pytest.raises(ImproperlyConfigured, match="not the public half"):
        jwt_keys.production_keys()


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot be read"), ("not a key", "is not an unencrypted PEM key")],
)
def test_an_unusable_private_key_file_is_named(tmp_path, monkeypatch, content, problem):
    private, _ = key_files(tmp_path, monkeypatch)
    jwt_keys.development_keys()
    private.unlink()
    if content is not None:
        private.write_text(content)
    with pytest.raises(ImproperlyConfigured, match=problem) as refused:
        jwt_keys.production_keys()
    assert f"JWT_PRIVATE_KEY_FILE points to {private}" in str(refused.value)
