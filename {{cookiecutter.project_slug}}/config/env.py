"""Typed reads of the environment, failing with the variable's name."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_list(name, default=""):
    """A comma-separated variable as a list, blanks dropped."""
    items = os.environ.get(name, default).split(",")
    return [item.strip() for item in items if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def require_env(*names):
    """Refuse to start while any of these variables is unset or empty."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            "Set these environment variables (see .env.example): " + ", ".join(missing)
        )
