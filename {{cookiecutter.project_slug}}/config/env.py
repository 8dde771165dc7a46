"""Read configuration from the environment, and from a .env file in development."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_env_file(path):
    """Copy KEY=VALUE lines into os.environ; variables already set win.

    No path, or a path to no file, reads nothing.
    """
    if not path or not Path(path).is_file():
        return
    for line in Path(path).read_text().splitlines():
        key, separator, value = line.strip().partition("=")
        if separator and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))


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


def read_key_file(variable, base_dir):
    """The text of the key file the variable names; relative paths start at base_dir."""
    path = Path(base_dir, os.environ.get(variable, ""))
    try:
        return path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(
            f"{variable} points to {path}, which cannot be read ({error.strerror})."
        ) from None
