"""PostgreSQL's side of the backups: pg_dump's custom format, one
transaction's snapshot, and pg_restore to put it back."""

import os
import subprocess

from django.conf import settings

SUFFIX = ".dump"


class ToolFailed(Exception):
    pass


ERRORS = (ToolFailed,)


def _run(*command):
    """A libpq tool with the connection Django makes (on the host: peer
    authentication over the unix socket)."""
    database = settings.DATABASES["default"]
    names = {
        "HOST": "PGHOST",
        "PORT": "PGPORT",
        "USER": "PGUSER",
        "PASSWORD": "PGPASSWORD",
    }
    env = {
        variable: str(database[key])
        for key, variable in names.items()
        if database.get(key)
    }
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}
    )
    if result.returncode != 0:
        raise ToolFailed(f"{command[0]} failed: {result.stderr.strip()}")
    return result.stdout


def dump(target):
    _run(
        "pg_dump",
        "--format=custom",
        f"--file={target}",
        settings.DATABASES["default"]["NAME"],
    )


def problem(path):
    """What is wrong with the backup at path, or None."""
    try:
        listing = _run("pg_restore", "--list", str(path))
    except ToolFailed as error:
        return str(error)
    return None if "TABLE DATA" in listing else "pg_restore --list finds no table data"


def load(path):
    """Every object dropped and made again from the backup, in one
    transaction: a restore that fails changes nothing."""
    _run(
        "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
        "--exit-on-error", f"--dbname={settings.DATABASES['default']['NAME']}",
        str(path),
    )  # fmt: skip
