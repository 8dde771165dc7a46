"""The .env file: read into the environment, or made from .env.example.

Standard library only: `make dev` runs `python3 -m config.env_file` to make
.env before anything is installed.
"""

import os
import secrets
import sys
from pathlib import Path

# A blank variable whose name ends in _KEY is a secret: each .env gets a fresh
# one. token_urlsafe keeps to [A-Za-z0-9_-], which is safe in .env, in systemd's
# EnvironmentFile= and in make alike.
KEY_SUFFIX = "_KEY"
KEY_BYTES = 50


def parse(text):
    """KEY=VALUE lines as (key, value) pairs, in order. Comments and other
    lines are skipped; quotes around a value are dropped."""
    pairs = []
    for line in text.splitlines():
        key, separator, value = line.strip().partition("=")
        if separator and key and not key.startswith("#"):
            pairs.append((key.strip(), value.strip().strip("'\"")))
    return pairs


def read_env_file(path):
    """Copy a file's variables into os.environ; variables already set win.

    No path, or a path to no file, reads nothing.
    """
    if not path or not Path(path).is_file():
        return
    for key, value in parse(Path(path).read_text()):
        os.environ.setdefault(key, value)


def with_fresh_secrets(text):
    """The text of an env file with every blank secret filled in."""
    lines = []
    for line in text.splitlines():
        key, separator, value = line.partition("=")
        if separator and not value.strip() and key.strip().endswith(KEY_SUFFIX):
            line = f"{key.strip()}={secrets.token_urlsafe(KEY_BYTES)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_private(path, text):
    """Write a file only its owner can read, whatever the umask."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def make_env_file(project_dir):
    """Write project_dir/.env from .env.example with fresh secrets; an
    existing .env is left as it is. Returns whether it wrote one."""
    target = Path(project_dir, ".env")
    if target.exists():
        return False
    example = Path(project_dir, ".env.example").read_text()
    write_private(target, with_fresh_secrets(example))
    return True


if __name__ == "__main__":
    project = Path(__file__).resolve().parents[1]
    if make_env_file(project):
        print(".env made from .env.example with fresh secrets (mode 0600).")
    else:
        print(".env exists: left as it is.", file=sys.stderr)
