"""Replace the database's contents with a backup's. The service must be
stopped first: `make restore` (deploy/ansible/restore.yml) does that."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ... import backups


class Command(BaseCommand):
    help = "Restore the database from a backup made by `manage.py backup`."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup file")

    def handle(self, *args, **options):
        path = options["backup"]
        suffix = backups.SUFFIX
        if not path.is_file():
            raise CommandError(f"{path}: there is no such file.")
        if not path.name.endswith(suffix):
            raise CommandError(
                f"{path.name} is not a backup of this database: those end in {suffix}."
            )
        started = time.perf_counter()
        try:
            backups.restore(path)
        except (backups.BackupError, OSError) as error:
            raise CommandError(f"restore failed: {error}") from error
        self.stdout.write(
            f"restored {path.name} in {time.perf_counter() - started:.2f}s"
        )
