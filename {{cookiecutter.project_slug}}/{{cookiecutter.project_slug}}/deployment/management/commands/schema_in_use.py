import json

from django.apps import apps
from django.core.management.base import BaseCommand

from ...schema import schema_of


class Command(BaseCommand):
    help = "Print, as JSON, the tables and columns this code's models read."

    def handle(self, *args, **options):
        schema = {table: sorted(columns) for table, columns in schema_of(apps).items()}
        self.stdout.write(json.dumps(schema, sort_keys=True))
