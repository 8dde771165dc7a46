"""SQLite's side of the backups: its online backup API copies one
consistent state of the database however many writes happen meanwhile. A
file copy of a live database can be torn, so there is none here."""

import sqlite3
from contextlib import closing
from pathlib import Path

from django.conf import settings

SUFFIX = ".sqlite3"
ERRORS = (sqlite3.Error,)


def _copy(source, target):
    with (
        closing(sqlite3.connect(source)) as reading,
        closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


def dump(target):
    _copy(settings.DATABASES["default"]["NAME"], target)


def problem(path):
    """What is wrong with the backup at path, or None."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as backup:
            verdict = backup.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        verdict = str(error)
    return None if verdict == "ok" else f"integrity check says {verdict}"


def load(path):
    """The backup becomes the database file, whole, in one rename."""
    live = Path(settings.DATABASES["default"]["NAME"])
    incoming = live.with_name(live.name + ".restoring")
    incoming.unlink(missing_ok=True)
    _copy(path, incoming)
    for leftover in ("-wal", "-shm"):
        live.with_name(live.name + leftover).unlink(missing_ok=True)
    incoming.rename(live)
