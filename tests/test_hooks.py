"""The hooks' functions, imported from the template as they stand, and bad
answers end to end through cookiecutter's own CLI."""

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from generator.answers import template_context

from .helpers import BIN, TEMPLATE, VARIANTS, load_hook, load_module, run

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

GOOD = VARIANTS["default"].answers


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("project_slug", "My-API", "not a lowercase Python identifier"),
        ("project_slug", "2fast", "not a lowercase Python identifier"),
        ("project_slug", "class", "Python keyword"),
        ("project_slug", "match", "Python keyword"),
        ("project_slug", "django", "would shadow"),
        ("project_slug", "rest_framework", "would shadow"),
        ("project_slug", "config", "would shadow"),
        ("project_slug", "test", "would shadow"),
        ("project_slug", "site", "would shadow"),
        ("project_slug", "json", "would shadow"),
        ("domain_name", "https://api.example.com", "not a lowercase host name"),
        ("domain_name", "localhost", "not a lowercase host name"),
        ("domain_name", "api..example.com", "not a lowercase host name"),
        ("domain_name", "-api.example.com", "not a lowercase host name"),
        ("domain_name", "api.example.com:8443", "not a lowercase host name"),
        ("author_email", "jane.example.com", "not an email address"),
        ("author_email", "jane@example", "not an email address"),
        ("deploy_root", "srv/my_api", "not an absolute path"),
        ("deploy_root", "/", "not an absolute path"),
        ("deploy_root", "/srv/my api", "not an absolute path"),
        ("project_slug", "a" * 32, "longer than the 31 characters"),
        ("time_zone", "Mars Standard", "not an IANA time zone"),
        ("time_zone", "Mars/Olympus", "not an IANA time zone"),
        ("time_zone", "Europe/Berln", "did you mean 'Europe/Berlin'?"),
        ("time_zone", "europe/paris", "did you mean 'Europe/Paris'?"),
        ("time_zone", "utc", "did you mean 'UTC'?"),
        ("time_zone", "Paris", "did you mean 'Europe/Paris'?"),
        ("time_zone", "america/new york", "did you mean 'America/New_York'?"),
        ("http_port", "0", "not a port"),
        ("https_port", "http", "not a port"),
        ("https_port", 80, "equals http_port"),
        ("project_name", "", "is empty"),
        ("project_name", 'The "Best" API', "double quote"),
        ("description", "line one\nline two", "line break"),
    ],
)
def test_each_bad_answer_is_named_with_its_value_and_a_fix(field, value, message):
    problems = pre_gen.find_problems({**GOOD, field: value})
    assert len(problems) == 1
    refused, text = problems[0]
    assert refused == field
    assert text.startswith(field)
    assert message in text


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Mars Standard", "Nowhere"])
def test_a_time_zone_far_from_any_gets_examples_not_a_guess(zone):
    assert pre_gen.closest_time_zone(zone) is None
    assert "use e.g. 'UTC' or 'Europe/Berlin'" in pre_gen.time_zone_problem(zone)


@pytest.mark.parametrize(
    ("version", "too_old"),
    [
        ("1.7.3", True),
        ("2.1.1", True),
        ("2.1.2.dev0", True),
        ("2.2.0", False),
        ("2.7.1", False),
        ("3.0.0a1", False),
    ],
)
def test_cookiecutters_older_than_the_oldest_supported_are_refused(version, too_old):
    problem = pre_gen.cookiecutter_problem(version)
    assert (problem is not None) is too_old
    if too_old:
        assert f"cookiecutter {version} is too old" in problem
        assert "pipx install cookiecutter" in problem
        assert "\n" not in problem


def test_the_hook_knows_its_own_cookiecutter():
    from cookiecutter import __version__

    assert pre_gen.running_cookiecutter() == __version__


def test_every_yes_no_prompt_must_be_a_boolean():
    context = template_context(TEMPLATE)
    yes_no = {key for key, value in context.items() if isinstance(value, bool)}
    checked = {
        field for field, check in pre_gen.CHECKS if check is pre_gen.yes_no_problem
    }
    assert checked == yes_no
    for field in yes_no:
        problems = pre_gen.find_problems({**GOOD, field: "no"})
        message = f"{field} 'no' {pre_gen.yes_no_problem('no')}"
        assert problems == [(field, message)], problems


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS)
def test_every_variant_passes_validation(variant):
    assert pre_gen.find_problems(variant.answers) == []


def test_all_problems_are_reported_at_once():
    bad = {**GOOD, "project_slug": "json", "author_email": "x", "deploy_root": "srv"}
    problems = pre_gen.find_problems(bad)
    assert [field for field, _ in problems] == [
        "project_slug",
        "author_email",
        "deploy_root",
    ]
    assert pre_gen.fields_in_words(problems) == (
        "project_slug, author_email and deploy_root"
    )
    assert pre_gen.fields_in_words(problems[:1]) == "project_slug"


def cookiecutter(home, *args):
    """cookiecutter's CLI with its replay folder under home."""
    return run([BIN / "cookiecutter", *args], env={**os.environ, "HOME": str(home)})


@pytest.mark.parametrize(
    "bad_answers",
    [
        {"project_slug": "2fast"},
        {"project_slug": "lambda"},
        {"project_slug": "django"},
        {"domain_name": "not a domain"},
        {"author_email": "nobody"},
        {"deploy_root": "relative/path"},
        {"time_zone": "Mars/Olympus"},
        {"project_slug": "json", "author_email": "x", "deploy_root": "srv"},
    ],
    ids=lambda answers: ",".join(answers),
)
def test_cookiecutter_cli_refuses_bad_answers_and_leaves_nothing(tmp_path, bad_answers):
    output = tmp_path / "out"
    output.mkdir()
    result = cookiecutter(
        tmp_path,
        "--no-input",
        "--output-dir",
        output,
        TEMPLATE,
        *(f"{key}={value}" for key, value in bad_answers.items()),
    )
    assert result.returncode == 1
    for field, value in bad_answers.items():
        assert f"{field} {value!r}" in result.stderr
    assert list(output.iterdir()) == []


def test_a_refusal_names_the_key_and_file_and_the_retry_works(tmp_path):
    output = tmp_path / "out"
    refused = cookiecutter(
        tmp_path, "--no-input", "-o", output, TEMPLATE, "time_zone=europe/paris"
    )
    assert refused.returncode == 1
    assert "time_zone 'europe/paris' is not an IANA time zone: did you mean " \
        "'Europe/Paris'?" in refused.stderr  # fmt: skip
    replay = f"~/.cookiecutter_replay/{TEMPLATE.name}.json"
    assert (
        f'Change time_zone under "cookiecutter" in {replay} (the copy under '
        '"_cookiecutter" is not read), then run:'
    ) in refused.stderr
    retry = f"cookiecutter --replay-file {replay} --output-dir {output} {TEMPLATE}"
    assert retry in refused.stderr
    replay_file = Path(replay.replace("~", str(tmp_path)))
    command = retry.replace("~", str(tmp_path)).split()[1:]

    # The file holds time_zone twice; the copy the message warns of does nothing.
    context = json.loads(replay_file.read_text())
    assert context["_cookiecutter"]["time_zone"] == "europe/paris"
    context["_cookiecutter"]["time_zone"] = "Europe/Paris"
    replay_file.write_text(json.dumps(context))
    assert cookiecutter(tmp_path, *command).returncode == 1

    # The key it named, where it said: the retry makes the project.
    context["cookiecutter"]["time_zone"] = "Europe/Paris"
    replay_file.write_text(json.dumps(context))
    retried = cookiecutter(tmp_path, *command)
    assert retried.returncode == 0, retried.stderr
    settings = output / GOOD["project_slug"] / "config" / "settings" / "base.py"
    assert 'TIME_ZONE = "Europe/Paris"' in settings.read_text()


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS)
def test_prune_table_removes_only_what_disabled_options_leave(variant):
    pruned = post_gen.paths_to_prune(variant.answers)
    slug = variant.slug
    answers = variant.answers
    assert (f"{slug}/notes" in pruned) is not answers["example_api"]
    assert (f"{slug}/accounts/registration.py" in pruned) is not answers[
        "allow_registration"
    ]
    assert ("tests/test_api_docs.py" in pruned) is not answers["api_docs"]
    assert ("tests/test_rs256.py" in pruned) is (answers["jwt_algorithm"] != "RS256")


def test_every_pruned_path_exists_in_the_template():
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    for paths in post_gen.PRUNE.values():
        for path in paths:
            assert (
                project / path.format(slug="{{cookiecutter.project_slug}}")
            ).exists(), path


env_file = load_module(TEMPLATE / "{{cookiecutter.project_slug}}/config/env_file.py")


def test_private_files_are_0600_whatever_the_umask(tmp_path):
    old_umask = os.umask(0)
    try:
        env_file.write_private(tmp_path / "keys" / "secret.pem", "x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "keys" / "secret.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_every_blank_key_gets_its_own_fresh_secret():
    example = "# comment\nA_KEY=\nB_KEY=\nSET_KEY=kept\nOTHER=\nKEY_FILE=\n"
    first = dict(env_file.parse(env_file.with_fresh_secrets(example)))
    second = dict(env_file.parse(env_file.with_fresh_secrets(example)))
    assert first["SET_KEY"] == "kept"
    assert first["OTHER"] == first["KEY_FILE"] == ""
    assert len(first["A_KEY"]) >= 50 and len(first["B_KEY"]) >= 50
    assert len({first["A_KEY"], first["B_KEY"], second["A_KEY"], second["B_KEY"]}) == 4


def test_the_env_parser_reads_what_people_write():
    text = "# A=1\n\nB = 2\nC='three'\nD=\"four\"\nE=a=b\nnot a line\n=x\n"
    assert env_file.parse(text) == [
        ("B", "2"),
        ("C", "three"),
        ("D", "four"),
        ("E", "a=b"),
    ]


def test_baking_needs_no_network(tmp_path):
    # A new network namespace has no interfaces but a down loopback.
    result = subprocess.run(
        [
            "unshare",
            "--net",
            BIN / "cookiecutter",
            "--no-input",
            "-o",
            tmp_path,
            TEMPLATE,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / GOOD["project_slug"] / ".env").exists()


def test_a_bake_ends_with_the_next_steps(tmp_path):
    result = run(
        [BIN / "cookiecutter", "--no-input", TEMPLATE],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), "PWD": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Made my_api. Next:",
        "  cd my_api",
        '  git init && git add -A && git commit -m "New project"',
        "  make dev    # .env, venv, install, migrate, serve on 127.0.0.1:8000",
        "  make test   # the project's own tests",
        "The deploy starts in deploy/README.md: your host goes in "
        "deploy/ansible/inventory.yml, then make deploy.",
    ]
    for target in ("dev:", "test:", "deploy:"):
        assert f"\n{target}" in (tmp_path / "my_api" / "Makefile").read_text()
    assert (tmp_path / "my_api" / "deploy" / "ansible" / "inventory.yml").is_file()


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS)
def test_next_steps_start_a_database_where_the_project_needs_one(variant, tmp_path):
    steps = post_gen.next_steps(variant.answers, tmp_path / variant.slug)
    needs_one = variant.answers["database"] == "postgresql"
    assert any(line.startswith("  make db ") for line in steps) is needs_one
    assert steps[1] == f"  cd {tmp_path / variant.slug}"  # outside PWD: in full
