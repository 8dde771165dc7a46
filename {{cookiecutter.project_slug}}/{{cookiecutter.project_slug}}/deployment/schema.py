"""Which tables and columns code reads, and which of them pending migrations
would take away.

A release migrates before it goes live, while the previous release still
serves. A migration that drops or renames a table or column that the live
code still reads breaks the live code until the switch, and for good if the
new release never goes live. Expand and contract instead: stop reading it in
one release, drop it in the next.
"""

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import SeparateDatabaseAndState


def schema_of(apps):
    """{table: {column, ...}} of every model the database holds."""
    schema = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            columns = {field.column for field in meta.local_concrete_fields}
            schema.setdefault(meta.db_table, set()).update(columns)
    return schema


def vanished(before, after):
    """Tables and (table, column) pairs in `before` that `after` lacks."""
    tables = {table for table in before if table not in after}
    columns = {
        (table, column)
        for table, names in before.items()
        if table in after
        for column in names - after[table]
    }
    return tables, columns


def database_effect(operation, app_label, state):
    """The schema before and after one operation, as the database sees it."""
    before = schema_of(state.apps)
    steps = (
        operation.database_operations
        if isinstance(operation, SeparateDatabaseAndState)
        else [operation]
    )
    probe = state.clone()
    for step in steps:
        step.state_forwards(app_label, probe)
    return before, schema_of(probe.apps)


def pending_removals(connection):
    """(migration, operation, tables, columns) for every pending operation
    that removes or renames a table or column."""
    executor = MigrationExecutor(connection)
    loader = executor.loader
    plan = executor.migration_plan(loader.graph.leaf_nodes())
    removals = []
    for migration, backwards in plan:
        if backwards:
            continue
        node = (migration.app_label, migration.name)
        state = loader.project_state(node, at_end=False)
        for operation in migration.operations:
            before, after = database_effect(operation, migration.app_label, state)
            tables, columns = vanished(before, after)
            if tables or columns:
                removals.append((migration, operation, tables, columns))
            operation.state_forwards(migration.app_label, state)
    return removals


def conflicts(removals, in_use):
    """Removals that touch what the live code reads: one line each."""
    lines = []
    for migration, operation, tables, columns in removals:
        hits = sorted(t for t in tables if t in in_use) + sorted(
            f"{t}.{c}" for t, c in columns if c in in_use.get(t, ())
        )
        if hits:
            lines.append(
                f"{migration.app_label}.{migration.name}: "
                f"{operation.describe()} removes {', '.join(hits)}"
            )
    return lines
