{% if cookiecutter.jwt_algorithm == "RS256" %}
"""The keys that sign and verify JWTs (RS256): a private key signs, its public
key verifies.

JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE name PEM files; relative paths
start at the project folder. Production makes its pair once on the host
(deploy/README.md). Development makes its own in keys/ the first time it needs
one; the tests make a fresh pair for every run.
"""

import os
import sys
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from config.env_file import write_private

PROJECT_DIR = Path(__file__).resolve().parents[1]
VARIABLES = ("JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEY_FILE")
DEVELOPMENT_FILES = ("keys/jwt_private.pem", "keys/jwt_public.pem")


def new_keys():
    """A fresh 2048-bit pair, as SIMPLE_JWT's SIGNING_KEY and VERIFYING_KEY."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "SIGNING_KEY": private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "VERIFYING_KEY": private_key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode(),
    }


def write_key_pair(private_path, public_path):
    """Write a fresh pair to these files, each mode 0600."""
    keys = new_keys()
    write_private(private_path, keys["SIGNING_KEY"])
    write_private(public_path, keys["VERIFYING_KEY"])


def fresh_key_variables(folder):
    """The variables of a fresh pair, written to files in folder."""
    paths = Path(folder, "jwt_private.pem"), Path(folder, "jwt_public.pem")
    write_key_pair(*paths)
    return dict(zip(VARIABLES, map(str, paths), strict=True))


def read_pem(variable, path, load):
    try:
        text = path.read_text()
        return text, load(text.encode())
    except OSError as error:
        problem = f"cannot be read ({error.strerror})"
    except (ValueError, TypeError, UnsupportedAlgorithm):
        problem = "is not an unencrypted PEM key"
    raise ImproperlyConfigured(f"{variable} points to {path}, which {problem}.")


def public_der(key):
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def keys_from_files(private_path, public_path):
    """The pair in these files, checked: an unusable pair stops the start."""
    private_text, private_key = read_pem(
        "JWT_PRIVATE_KEY_FILE",
        private_path,
        lambda data: serialization.load_pem_private_key(data, password=None),
    )
    public_text, public_key = read_pem(
        "JWT_PUBLIC_KEY_FILE", public_path, serialization.load_pem_public_key
    )
    if not isinstance(private_key, rsa.RSAPrivateKey) or private_key.key_size < 2048:
        raise ImproperlyConfigured(
            f"JWT_PRIVATE_KEY_FILE: {private_path} is not an RSA key of 2048 bits "
            "or more; make a new pair (see deploy/README.md)."
        )
    if public_der(public_key) != public_der(private_key.public_key()):
        raise ImproperlyConfigured(
            f"JWT_PUBLIC_KEY_FILE: {public_path} is not the public half of "
            f"{private_path}; make a new pair (see deploy/README.md)."
        )
    return {"SIGNING_KEY": private_text, "VERIFYING_KEY": public_text}


def key_path(variable, default=""):
    return PROJECT_DIR / os.environ.get(variable, default)


def production_keys():
    """The pair the environment names (require_env has checked it is set)."""
    return keys_from_files(*map(key_path, VARIABLES))


def development_keys():
    """The pair .env names (keys/ by default), made the first time neither
    file exists."""
    private_path, public_path = map(key_path, VARIABLES, DEVELOPMENT_FILES)
    if not private_path.exists() and not public_path.exists():
        write_key_pair(private_path, public_path)
        print(
            f"Made a development RS256 key pair: {private_path}, {public_path} "
            "(mode 0600, ignored by git).",
            file=sys.stderr,
        )
    return keys_from_files(private_path, public_path)
{% else %}
"""The key that signs and verifies JWTs (HS256): one shared secret.

JWT_SIGNING_KEY holds it. It is not DJANGO_SECRET_KEY, so either can be
rotated alone. Development falls back to a fixed key while it is unset; the
tests use a fresh key for every run.
"""

import os
import secrets

from django.core.exceptions import ImproperlyConfigured

VARIABLES = ("JWT_SIGNING_KEY",)
# An HMAC key shorter than the hash's output weakens it (RFC 7518, 3.2).
MINIMUM_LENGTH = 32
DEVELOPMENT_KEY = "development-only-jwt-signing-key-32-bytes"


def new_keys():
    """A fresh key, as SIMPLE_JWT's SIGNING_KEY."""
    return {"SIGNING_KEY": secrets.token_urlsafe(48)}


def fresh_key_variables(folder):
    """The variables of a fresh key. HS256 keeps its key in the environment,
    so nothing is written to folder."""
    return {"JWT_SIGNING_KEY": new_keys()["SIGNING_KEY"]}


def production_keys():
    """The key in the environment, checked: a weak key stops the start."""
    key = os.environ.get("JWT_SIGNING_KEY", "")
    if len(key) < MINIMUM_LENGTH:
        raise ImproperlyConfigured(
            f"JWT_SIGNING_KEY is too weak: use {MINIMUM_LENGTH} or more random "
            'characters, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if key == os.environ.get("DJANGO_SECRET_KEY"):
        raise ImproperlyConfigured(
            "JWT_SIGNING_KEY equals DJANGO_SECRET_KEY: give each its own value."
        )
    return {"SIGNING_KEY": key}


def development_keys():
    """The key in .env, or a fixed development key while it is unset."""
    return {"SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or DEVELOPMENT_KEY}
{% endif %}
