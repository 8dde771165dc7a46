"""Backups of the database, made while the service runs, and their restore.

The database's own module makes and loads them ({{ cookiecutter.database }}_backup.py).
Each backup is checked before it counts, kept by age (so many daily, so many
weekly) and copied off the host when the environment names a place for it
(see deploy/env.example, "Backups").
"""

import os
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from config.env import env_int

from . import {{ cookiecutter.database }}_backup as database

# Backups are named <project>-<UTC time><suffix>: sorted by name, by age.
NAME = "{{ cookiecutter.project_slug }}"
SUFFIX = database.SUFFIX
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PARTIAL = ".partial"


class BackupError(Exception):
    pass


def check_backup(path):
    """Refuse a file that does not read back as a whole database."""
    problem = database.problem(path)
    if problem:
        raise BackupError(f"{path.name}: {problem}")


def make_backup(folder, now=None):
    """Write the database to folder/<name>-<UTC time><suffix>, checked; a
    backup that fails its check leaves nothing behind."""
    target = Path(folder) / f"{NAME}-{_stamp_of(now)}{SUFFIX}"
    partial = target.with_name(target.name + PARTIAL)
    try:
        database.dump(partial)
        check_backup(partial)
        partial.rename(target)
    except database.ERRORS as error:
        raise BackupError(f"{target.name}: {error}") from error
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
    for pattern in (f"{NAME}-*{SUFFIX}", f"{NAME}-secrets-*.tar"):
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
    result = subprocess.run(
        ["rsync", "--times", *map(str, paths), target], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(f"rsync to {target} failed: {result.stderr.strip()}")


def restore(path):
    """Replace the database's contents with the backup's. The service must
    be stopped: the playbook's restore does that first."""
    check_backup(path)
    try:
        database.load(path)
    except database.ERRORS as error:
        raise BackupError(f"{path.name}: {error}") from error


def settings_from_environment():
    """Retention, the off-host target and the secrets, from the environment."""
    return {
        "daily": env_int("BACKUP_KEEP_DAILY", 7),
        "weekly": env_int("BACKUP_KEEP_WEEKLY", 4),
        "copy_to": os.environ.get("BACKUP_COPY_TO", ""),
        "secrets": os.environ.get("BACKUP_SECRETS", "no").lower() in ("yes", "true"),
    }
