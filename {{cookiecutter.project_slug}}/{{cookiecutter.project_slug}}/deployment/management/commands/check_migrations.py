import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ...schema import conflicts, pending_removals


class Command(BaseCommand):
    help = (
        "Refuse pending migrations that drop or rename a table or column the "
        "live release still reads (given by its `schema_in_use`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--in-use",
            required=True,
            type=Path,
            help="JSON file written by `manage.py schema_in_use` in the live release.",
        )

    def handle(self, *args, **options):
        in_use = json.loads(options["in_use"].read_text())
        found = conflicts(pending_removals(connection), in_use)
        if found:
            raise CommandError(
                "These migrations remove what the live release still reads, so it "
                "would fail until the switch (and for good if the switch fails):\n  "
                + "\n  ".join(found)
                + "\nShip the code that stops reading them first, and the migration "
                "in a later release (expand, then contract)."
            )
        self.stdout.write("No pending migration removes what the live release reads.")
