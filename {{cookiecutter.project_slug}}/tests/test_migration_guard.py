"""The deploy's migration guard: pending migrations that remove what the live
release still reads are refused."""

import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import migrations, models
from django.db.migrations.state import ProjectState

from {{ cookiecutter.project_slug }}.deployment.schema import (
    conflicts,
    database_effect,
    schema_of,
    vanished,
)

pytestmark = pytest.mark.django_db


def removed_by(operation, app_label="accounts"):
    state = ProjectState.from_apps(apps)
    before, after = database_effect(operation, app_label, state)
    return vanished(before, after)


def test_schema_in_use_lists_the_user_table():
    output = StringIO()
    call_command("schema_in_use", stdout=output)
    in_use = json.loads(output.getvalue())
    assert {"id", "username", "email", "password"} <= set(in_use["accounts_user"])


def test_dropping_or_renaming_a_column_removes_it():
    assert removed_by(migrations.RemoveField("user", "email")) == (
        set(),
        {("accounts_user", "email")},
    )
    renamed = migrations.RenameField("user", "email", "address")
    assert removed_by(renamed) == (set(), {("accounts_user", "email")})


def test_dropping_a_table_removes_it_and_its_columns_go_with_it():
    tables, columns = removed_by(migrations.DeleteModel("user"))
    assert "accounts_user" in tables
    assert not any(table == "accounts_user" for table, _ in columns)


def test_adding_a_column_removes_nothing():
    added = migrations.AddField("user", "nickname", models.CharField(max_length=20))
    assert removed_by(added) == (set(), set())


def test_a_field_gone_from_the_models_only_is_not_a_removal():
    # The expand step: the code stops reading the column, the table keeps it.
    state_only = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("user", "email")]
    )
    assert removed_by(state_only) == (set(), set())
    database_only = migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RemoveField("user", "email")]
    )
    assert removed_by(database_only) == (set(), {("accounts_user", "email")})


def test_conflicts_name_only_what_the_live_code_reads():
    migration = migrations.Migration("0009_contract", "accounts")
    operation = migrations.RemoveField("user", "email")
    removals = [(migration, operation, set(), {("accounts_user", "email")})]
    live = {table: sorted(columns) for table, columns in schema_of(apps).items()}
    assert conflicts(removals, live) == [
        "accounts.0009_contract: Remove field email from user "
        "removes accounts_user.email"
    ]
    live["accounts_user"].remove("email")  # the live code stopped reading it
    assert conflicts(removals, live) == []


def test_the_command_passes_with_nothing_pending(tmp_path):
    in_use = tmp_path / "in-use.json"
    output = StringIO()
    call_command("schema_in_use", stdout=output)
    in_use.write_text(output.getvalue())
    output = StringIO()
    call_command("check_migrations", "--in-use", str(in_use), stdout=output)
    assert "No pending migration" in output.getvalue()
