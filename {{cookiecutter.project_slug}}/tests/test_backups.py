"""The backup command's parts: a backup is checked before it counts, the
retention keeps what it says, and bad input gets a clear refusal."""

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from {{ cookiecutter.project_slug }}.deployment import backups


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_written_checked_and_holds_the_users(make_user, tmp_path):
    make_user("alice")
    call_command("backup", "--dir", str(tmp_path))
    (made,) = tmp_path.glob(f"{backups.NAME}-*{backups.backup_suffix()}")
    backups.check_backup(made)
    assert not list(tmp_path.glob("*.partial"))
    if made.suffix == ".sqlite3":
        table = get_user_model()._meta.db_table
        with closing(sqlite3.connect(made)) as copy:
            query = f"SELECT username FROM {table}"  # noqa: S608 (the model's own table)
            names = [row[0] for row in copy.execute(query)]
        assert names == ["alice"]
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("suffix", [".sqlite3", ".dump"])
def test_a_damaged_backup_is_refused(tmp_path, suffix):
    damaged = tmp_path / f"{backups.NAME}-20260101T000000Z{suffix}"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(backups.BackupError, match=damaged.name):
        backups.check_backup(damaged)


def test_the_retention_keeps_one_a_day_then_one_a_week():
    newest = datetime(2026, 11, 24, 3, 15)
    # Four backups a day for sixty days.
    times = [newest - timedelta(hours=6 * step) for step in range(240)]
    kept = sorted(backups.to_keep(times, daily=7, weekly=4), reverse=True)
    assert len(kept) == 11
    days = [time.date() for time in kept[:7]]
    assert days == [newest.date() - timedelta(days=day) for day in range(7)]
    assert kept[0] == newest
    weeks = [time.isocalendar()[:2] for time in kept[7:]]
    assert len(set(weeks)) == 4
    assert kept[7] < kept[6]


def test_pruning_deletes_only_what_falls_out(tmp_path):
    suffix = backups.backup_suffix()
    for day in range(1, 11):
        (tmp_path / f"{backups.NAME}-202611{day:02d}T031500Z{suffix}").touch()
    (tmp_path / "notes.txt").touch()
    removed = backups.prune(tmp_path, daily=3, weekly=1)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert len(removed) == 6
    assert f"{backups.NAME}-20261110T031500Z{suffix}" in left
    assert "notes.txt" in left


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.sqlite3"))


def test_restore_refuses_another_databases_backup(tmp_path):
    other = ".dump" if backups.backup_suffix() == ".sqlite3" else ".sqlite3"
    wrong = tmp_path / f"{backups.NAME}-20260101T000000Z{other}"
    wrong.touch()
    with pytest.raises(CommandError, match="not a backup of this database"):
        call_command("restore", str(wrong))


def test_the_backup_folder_must_be_named(monkeypatch):
    monkeypatch.delenv("BACKUP_DIR", raising=False)
    with pytest.raises(CommandError, match="BACKUP_DIR"):
        call_command("backup")
