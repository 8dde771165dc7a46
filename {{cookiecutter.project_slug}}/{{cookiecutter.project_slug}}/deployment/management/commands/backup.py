"""Back the database up into a folder (the backup unit's, BACKUP_DIR), keep
what the retention keeps, and copy the new files off the host when
BACKUP_COPY_TO names a place. Any failure fails the command, and the unit."""

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ... import backups

# The secrets: the environment file, and the key files it names (variables
# ending in _KEY_FILE).
ENV_FILE_VARIABLE = "DJANGO_ENV_FILE"
KEY_FILE_SUFFIX = "_KEY_FILE"


class Command(BaseCommand):
    help = "Back the database up (and, when BACKUP_SECRETS=yes, the secrets)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=os.environ.get("BACKUP_DIR"),
            help="the folder for backups (default: $BACKUP_DIR)",
        )

    def handle(self, *args, **options):
        if not options["dir"]:
            raise CommandError("Name the backup folder: --dir FOLDER, or BACKUP_DIR.")
        folder = Path(options["dir"])
        wanted = backups.settings_from_environment()
        started = time.perf_counter()
        try:
            made = [backups.make_backup(folder)]
            if wanted["secrets"]:
                made.append(backups.backup_secrets(folder, secret_files()))
            removed = backups.prune(folder, wanted["daily"], wanted["weekly"])
            if wanted["copy_to"]:
                backups.copy_off_host(made, wanted["copy_to"])
        except (backups.BackupError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from error
        copied = f", copied to {wanted['copy_to']}" if wanted["copy_to"] else ""
        self.stdout.write(
            f"{made[0].name}: {made[0].stat().st_size} bytes in "
            f"{time.perf_counter() - started:.2f}s{copied}; "
            f"{len(removed)} old file(s) deleted"
        )


def secret_files():
    names = [os.environ.get(ENV_FILE_VARIABLE)] + [
        value for name, value in os.environ.items() if name.endswith(KEY_FILE_SUFFIX)
    ]
    return [name for name in names if name and Path(name).is_file()]
