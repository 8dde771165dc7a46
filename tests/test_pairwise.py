"""Every pair of option values is baked, and its own suite and ruff pass:
the variants (whose suite and ruff verify runs, tests/test_verify.py) and
the answer sets generator/pairwise.py adds to cover the pairs they leave."""

import sys
from pathlib import Path

import pytest

from generator.pairwise import answer_sets, every_pair, options, pairs_of
from generator.postgres import postgres_cluster
from generator.processes import inherited_env

from .helpers import TEMPLATE, VARIANTS, run

UV = Path(sys.executable).parent / "uv"
GIVEN = [variant.answers for variant in VARIANTS.values()]
ANSWER_SETS = answer_sets(VARIANTS["default"].answers, GIVEN)


def describe(answers):
    """The answer set's options, briefly: postgresql-HS256-docs-ci..."""
    flags = ("api_docs", "allow_registration", "example_api", "hsts_preload")
    on = [flag.split("_")[-1] for flag in flags if answers[flag]]
    return "-".join([answers["database"], answers["jwt_algorithm"], *on, answers["ci"]])


def test_the_variants_and_the_answer_sets_cover_every_pair():
    values = options()
    covered = set().union(*(pairs_of(a, values) for a in GIVEN + ANSWER_SETS))
    assert covered == every_pair(values)
    # Each answer set covers a pair nothing before it did.
    before = set().union(*(pairs_of(a, values) for a in GIVEN))
    for answers in ANSWER_SETS:
        assert pairs_of(answers, values) - before, describe(answers)
        before |= pairs_of(answers, values)


@pytest.fixture(scope="module")
def database():
    """One throwaway PostgreSQL for the answer sets that use it; each
    suite's test database is made and dropped by Django's runner."""
    with postgres_cluster("pairs") as cluster:
        yield cluster


@pytest.mark.parametrize(
    "answers", [pytest.param(a, id=describe(a)) for a in ANSWER_SETS]
)
def test_an_answer_set_bakes_and_its_suite_and_ruff_pass(answers, cookies, request):
    baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
    assert baked.exit_code == 0, baked.exception
    project = baked.project_path
    python = project / ".venv" / "bin" / "python"
    # What `make install` puts in the project's venv, with uv.
    for command in (
        [UV, "venv", "--quiet", "--python", sys.executable, project / ".venv"],
        [UV, "pip", "install", "--quiet", "--python", python, "-e", ".[dev]"],
    ):
        installed = run(command, cwd=project)
        assert installed.returncode == 0, installed.stderr
    env = inherited_env()
    if answers["database"] == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("database").url
    for command in (
        [python, "-m", "ruff", "check", "--no-cache", "."],
        [python, "-m", "ruff", "format", "--check", "--no-cache", "."],
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
    ):
        result = run(command, cwd=project, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "skipped" not in summary, summary
