from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Production keeps throttle counters in a database cache shared by all
    # Gunicorn workers; creating its table here makes `migrate` the only step.
    call_command("createcachetable", database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
