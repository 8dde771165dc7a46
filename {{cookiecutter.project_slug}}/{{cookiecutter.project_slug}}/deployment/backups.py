"""Backups of the database, made while the service runs, and their restore.

A SQLite database is copied with SQLite's backup API, which reads one
consistent state however many writes happen meanwhile (a file copy of a live
database can be torn); PostgreSQL's is pg_dump's custom format, one
transaction's snapshot. Each backup is checked before it counts, kept by age
(so many daily, so many weekly) and copied off the host when the environment
names a place for it (see deploy/env.example, "Backups").
"""

import os
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from config.env import env_int

# Backups are named <project>-<UTC time><suffix>: sorted by name, by age.
NAME = "{{ cookiecutter.project_slug }}"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PARTIAL = ".partial"


class BackupError(Exception):
    pass


def _database():
    database = settings.DATABASES["default"]
    vendor = "sqlite" if "sqlite" in database["ENGINE"] else "postgresql"
    return vendor, database


def backup_suffix():
    return ".sqlite3" if _database()[0] == "sqlite" else ".dump"


def _postgres_env(database):
    """libpq's variables for the connection Django makes (peer authentication
    over the unix socket, on the host)."""
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER"}
    env = {
        variable: str(database[key])
        for key, variable in names.items()
        if database.get(key)
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return {**os.environ, **env}


def _copy_sqlite(source, target):
    """SQLite's online backup: one consistent state of source, into target."""
    with (
        closing(sqlite3.connect(source)) as reading,
        closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


def _run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
    return result.stdout


def check_backup(path):
    """Refuse a file that does not read back as a whole database."""
    if path.name.removesuffix(PARTIAL).endswith(".sqlite3"):
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as backup:
                verdict = backup.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        if verdict != "ok":
            raise BackupError(f"{path.name}: integrity check says {verdict}")
        return
    try:
        listing = _run(["pg_restore", "--list", str(path)])
    except BackupError as error:
        raise BackupError(f"{path.name}: {error}") from None
    if "TABLE DATA" not in listing:
        raise BackupError(f"{path.name}: pg_restore --list finds no table data")


def make_backup(folder, now=None):
    """Write the database to folder/<name>-<UTC time><suffix>, checked."""
    vendor, database = _database()
    target = Path(folder) / f"{NAME}-{_stamp_of(now)}{backup_suffix()}"
    partial = target.with_name(target.name + PARTIAL)
    try:
        if vendor == "sqlite":
            _copy_sqlite(database["NAME"], partial)
        else:
            _run(
                ["pg_dump", "--format=custom", f"--file={partial}", database["NAME"]],
                env=_postgres_env(database),
            )
        check_backup(partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_secrets(folder, files, now=None):
    """The environment file and the JWT keys, in one archive only the
    service user can read."""
    target = Path(folder) / f"{NAME}-secrets-{_stamp_of(now)}.tar"
    private = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        os.fdopen(private, "wb") as archive,
        tarfile.open(fileobj=archive, mode="w") as tar,
    ):
        for name in files:
            tar.add(name)
    return target


def _stamp_of(now):
    return (now or datetime.now(UTC)).strftime(STAMP_FORMAT)


def _time_of(path):
    """When the backup at path was made, from its name; None for other files."""
    stamp = path.name.removeprefix(f"{NAME}-").removeprefix("secrets-")
    try:
        return datetime.strptime(stamp.split(".")[0], STAMP_FORMAT)
    except ValueError:
        return None


def to_keep(times, daily, weekly):
    """The times to keep: the newest of each of the last `daily` days that
    have one, then the newest of each of the `weekly` weeks before those."""
    kept, days, weeks = set(), [], []
    for time in sorted(times, reverse=True):
        day, week = time.date(), time.isocalendar()[:2]
        if len(days) < daily and day not in days:
            days.append(day)
            kept.add(time)
        elif day not in days and len(weeks) < weekly and week not in weeks:
            weeks.append(week)
            kept.add(time)
    return kept


def prune(folder, daily, weekly):
    """Delete the backups (and secrets archives) that fall out of the
    retention; returns the names deleted."""
    removed = []
    for pattern in (f"{NAME}-*{backup_suffix()}", f"{NAME}-secrets-*.tar"):
        backups = {_time_of(path): path for path in Path(folder).glob(pattern)}
        backups.pop(None, None)
        keep = to_keep(backups, daily, weekly)
        for time, path in backups.items():
            if time not in keep:
                path.unlink()
                removed.append(path.name)
    return removed


def copy_off_host(paths, target):
    """rsync each file to the target (rsync://host/module/path/ or
    host:path/); nothing there is deleted."""
    _run(["rsync", "--times", *map(str, paths), target])


def restore(path):
    """Replace the database's contents with the backup's. The service must
    be stopped: the playbook's restore does that first."""
    check_backup(path)
    vendor, database = _database()
    if vendor == "sqlite":
        live = Path(database["NAME"])
        incoming = live.with_name(live.name + ".restoring")
        incoming.unlink(missing_ok=True)
        _copy_sqlite(path, incoming)
        for leftover in ("-wal", "-shm"):
            live.with_name(live.name + leftover).unlink(missing_ok=True)
        incoming.rename(live)
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database['NAME']}",
            str(path),
        ],
        env=_postgres_env(database),
    )


def settings_from_environment():
    """Retention, the off-host target and the secrets, from the environment."""
    return {
        "daily": env_int("BACKUP_KEEP_DAILY", 7),
        "weekly": env_int("BACKUP_KEEP_WEEKLY", 4),
        "copy_to": os.environ.get("BACKUP_COPY_TO", ""),
        "secrets": os.environ.get("BACKUP_SECRETS", "no").lower() in ("yes", "true"),
    }
