"""The backup command's parts: a backup is checked before it counts, the
retention keeps what it says, and bad input gets a clear refusal."""

from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from {{ cookiecutter.project_slug }}.deployment import backups


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_written_and_checked(make_user, tmp_path):
    make_user("alice")
    call_command("backup", "--dir", str(tmp_path))
    (made,) = tmp_path.glob(f"{backups.NAME}-*{backups.SUFFIX}")
    backups.check_backup(made)
    assert made.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))


def test_a_damaged_backup_is_refused(tmp_path):
    damaged = tmp_path / f"{backups.NAME}-20260101T000000Z{backups.SUFFIX}"
    damaged.write_bytes(b"not a database" * 300)
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
    suffix = backups.SUFFIX
    for day in range(1, 11):
        (tmp_path / f"{backups.NAME}-202611{day:02d}T031500Z{suffix}").touch()
    (tmp_path / "README.txt").touch()
    removed = backups.prune(tmp_path, daily=3, weekly=1)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert len(removed) == 6
    assert f"{backups.NAME}-20261110T031500Z{suffix}" in left
    assert "README.txt" in left


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / f"missing{backups.SUFFIX}"))


def test_restore_refuses_another_databases_backup(tmp_path):
    wrong = tmp_path / f"{backups.NAME}-20260101T000000Z.zip"
    wrong.touch()
    with pytest.raises(CommandError, match="not a backup of this database"):
        call_command("restore", str(wrong))


def test_the_backup_folder_must_be_named(monkeypatch):
    monkeypatch.delenv("BACKUP_DIR", raising=False)
    with pytest.raises(CommandError, match="BACKUP_DIR"):
        call_command("backup")
