import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

from generator.deploy_phases import phase_table
from generator.hosts.make import clean_environment

from .helpers import FIGURES, TEMPLATE, VARIANT_PARAMS, Baked

# Tests that are a part of the run of their own; any other test's part is
# its module's name. Parts marked per variant are timed per variant.
PARTS = {
    "test_verify_host_proves_the_variant_on_a_fresh_host": "host proofs",
    "test_the_runbook_followed_by_hand_gives_a_working_stack": "by hand",
    "test_a_failed_host_run_leaves_nothing_behind": "host teardown",
    "test_verify_passes_every_step": "verify",
    "test_verify_stops_at_the_first_failure_and_cleans_up": "verify, failing",
    "test_two_runs_of_the_longest_project_name_at_once_both_pass": "verify twice",
}
PER_VARIANT = {"host proofs", "by hand", "verify"}
# Seconds and tests per part; the run's start.
SECONDS, TESTS = defaultdict(float), defaultdict(int)
STARTED = time.monotonic()


@pytest.fixture(scope="session")
def deploy_base():
    """A parent for each bake's deploy_root that Nginx's workers can traverse
    (pytest's own temp folders are private to root)."""
    base = Path(tempfile.mkdtemp(prefix="prodstack-srv-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session", params=VARIANT_PARAMS)
def baked(request, cookies_session, deploy_base):
    """Each variant baked once per session, with a temporary deploy_root and
    free high ports so verify can run its deploy files as rendered."""
    variant = request.param
    answers = variant.answers_for_test_stack(deploy_base / variant.name)
    result = cookies_session.bake(template=str(TEMPLATE), extra_context=answers)
    assert result.exit_code == 0, result.exception
    return Baked(variant, result.project_path, answers)


@pytest.fixture(scope="session")
def host_project(cookies_session):
    """project(variant): the variant baked as it is (its own ports and
    deploy_root: the hosts are its own), once a run, with the controller's
    tools already in its .venv by its own `make deploy-tools` (half a
    minute of pip). The host proofs, the runbook by hand and the cluster
    each deploy a copy of it."""
    made = {}

    def project(variant):
        if variant.name not in made:
            baked = cookies_session.bake(
                template=str(TEMPLATE), extra_context=variant.answers
            )
            assert baked.exit_code == 0, baked.exception
            tools = subprocess.run(
                ["make", "deploy-tools"],
                cwd=baked.project_path,
                env=clean_environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            assert tools.returncode == 0, tools.stdout + tools.stderr
            made[variant.name] = baked.project_path
        return made[variant.name]

    return project


def part_of(item):
    name = getattr(item, "originalname", item.name)
    part = PARTS.get(
        name, item.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    )
    params = getattr(item, "callspec", None)
    variant = params and (params.params.get("variant") or params.params.get("baked"))
    return f"{part}: {variant.name}" if part in PER_VARIANT and variant else part


def pytest_collection_modifyitems(items):
    for item in items:
        item.user_properties.append(("part", part_of(item)))


def pytest_runtest_logreport(report):
    """Every phase's seconds (setup, call, teardown) to the test's part."""
    part = dict(report.user_properties).get("part", "other")
    SECONDS[part] += report.duration
    if report.when == "call":
        TESTS[part] += 1


def pytest_terminal_summary(terminalreporter):
    if SECONDS:
        terminalreporter.section("time per part")
        terminalreporter.write_line(
            f"{'part':<32}{'tests':>7}{'seconds':>10}{'share':>8}"
        )
        total = sum(SECONDS.values())
        for part, seconds in sorted(SECONDS.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(
                f"{part:<32}{TESTS[part]:>7}{seconds:>10.1f}{seconds / total:>8.0%}"
            )
        wall = time.monotonic() - STARTED
        terminalreporter.write_line(
            f"{'all tests':<32}{sum(TESTS.values()):>7}{total:>10.1f}"
            f"  (wall time {wall / 60:.1f} min)"
        )
    for name, figures in FIGURES.items():
        terminalreporter.section(f"figures: {name}")
        for figure, value in figures.items():
            if "_phase_" not in figure:
                terminalreporter.write_line(f"{figure:<28} {value}")
        # The deploys' phases, as one table (generator/deploy_phases.py).
        if any("_phase_" in figure for figure in figures):
            for line in phase_table(figures).splitlines():
                terminalreporter.write_line(line)
