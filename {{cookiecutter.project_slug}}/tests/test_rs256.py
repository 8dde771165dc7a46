import base64
import hashlib
import hmac
import json

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

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
