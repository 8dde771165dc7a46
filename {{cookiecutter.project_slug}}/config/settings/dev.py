"""Local development: debug on, the browsable API, keys from .env."""

{% if cookiecutter.jwt_algorithm == "RS256" %}
from config.env import read_key_file

from .base import *  # noqa: F403
from .base import BASE_DIR, REST_FRAMEWORK, SIMPLE_JWT
{% else %}
import os

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SIMPLE_JWT
{% endif %}

DEBUG = True

REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
    "rest_framework.renderers.JSONRenderer",
    "rest_framework.renderers.BrowsableAPIRenderer",
]

{% if cookiecutter.jwt_algorithm == "RS256" %}
SIMPLE_JWT["SIGNING_KEY"] = read_key_file("JWT_PRIVATE_KEY_FILE", BASE_DIR)
SIMPLE_JWT["VERIFYING_KEY"] = read_key_file("JWT_PUBLIC_KEY_FILE", BASE_DIR)
{% else %}
SIMPLE_JWT["SIGNING_KEY"] = (
    os.environ.get("JWT_SIGNING_KEY") or "development-only-jwt-signing-key-32-bytes"
)
{% endif %}
