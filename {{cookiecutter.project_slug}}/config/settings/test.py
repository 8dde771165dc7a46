"""The test suite: fast password hashing, fixed keys, no collectstatic needed."""

{% if cookiecutter.jwt_algorithm == "RS256" %}
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

{% endif %}
from .base import *  # noqa: F403
from .base import SIMPLE_JWT

SECRET_KEY = "test-only-secret-key"

# Hashing dominates login time; MD5 keeps the suite fast and is used nowhere else.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files straight from the apps, as in development: no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

{% if cookiecutter.jwt_algorithm == "RS256" %}
# A fresh key pair per run: the suite never needs the git-ignored key files.
_test_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SIMPLE_JWT["SIGNING_KEY"] = _test_key.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode()
SIMPLE_JWT["VERIFYING_KEY"] = (
    _test_key.public_key()
    .public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    .decode()
)
{% else %}
SIMPLE_JWT["SIGNING_KEY"] = "test-only-jwt-signing-key-of-at-least-32-bytes"
{% endif %}
