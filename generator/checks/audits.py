"""Audits of the project and its rendered deploy files, before anything boots:
ruff, check --deploy, the project's own tests, Gunicorn's config, the systemd
units and the Nginx site."""

import re
import subprocess
import sys
from pathlib import Path

from generator.checking import check
from generator.processes import inherited_env
from generator.stacks.contract import HasLocalProject, needs

BIN = Path(sys.executable).parent

# Exposure scores systemd-analyze prints: 0 (locked down) to 10 (exposed).
MAX_EXPOSURE = 2.0


@needs(HasLocalProject)
def ruff(stack):
    ruff = stack.project.path / ".venv" / "bin" / "ruff"
    stack.run_logged("ruff-check", [ruff, "check", "--no-cache", "."])
    stack.run_logged("ruff-format", [ruff, "format", "--check", "--no-cache", "."])
    return "check and format clean"


@needs(HasLocalProject)
def check_deploy(stack):
    output = stack.manage_logged(
        "check-deploy", "check", "--deploy", "--fail-level", "WARNING"
    )
    check(
        "no issues" in output,
        "check --deploy reported issues",
        stack.logs / "check-deploy.log",
    )
    return "zero warnings"


def pytest_summary(stack, name, *arguments):
    """Run the project's pytest with its own (test) settings and the stack's
    database server; return the summary line."""
    env = {
        **inherited_env(),
        "DATABASE_URL": stack.env["DATABASE_URL"],
        "DJANGO_ENV_FILE": "",
    }
    output = stack.run_logged(
        name,
        [stack.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        env=env,
    )
    summary = output.strip().splitlines()[-1].strip("= ")
    check("skipped" not in summary, f"{name} skipped some: {summary}")
    check("passed" in summary, f"{name}: {summary}", stack.logs / f"{name}.log")
    return summary


@needs(HasLocalProject)
def project_tests(stack):
    return pytest_summary(stack, "project-tests")


@needs(HasLocalProject)
def schema_fuzz(stack):
    """The project's opt-in schemathesis test (`make fuzz`): every operation
    of its OpenAPI schema, in-process, as a signed-in user."""
    if not stack.project.answers["api_docs"]:
        return "not applicable: the project publishes no OpenAPI schema"
    return pytest_summary(stack, "fuzz", "fuzz")


@needs(HasLocalProject)
def gunicorn_config(stack):
    command = stack.project.exec_start
    stack.run_logged(
        "gunicorn-check-config", [*command[:-1], "--check-config", command[-1]]
    )
    return "gunicorn --check-config"


@needs(HasLocalProject)
def units(stack):
    units = sorted((stack.project.deploy / "systemd").iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)],
        capture_output=True,
        text=True,
        check=False,
    )
    # verify exits 0 even on unknown keys: any output is a finding.
    findings = (result.stdout + result.stderr).strip()
    check(
        result.returncode == 0 and not findings,
        f"systemd-analyze verify: {findings}",
    )
    scores = [exposure(unit) for unit in units if unit.suffix == ".service"]
    return f"{len(units)} units verified; exposure: " + ", ".join(scores)


def exposure(unit):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
    check(match, f"no exposure score for {unit.name}: {result.stderr.strip()}")
    score = float(match.group(1))
    check(
        score <= MAX_EXPOSURE, f"{unit.name} exposure {score} is above {MAX_EXPOSURE}"
    )
    return f"{unit.name} {score} {match.group(2)}"


@needs(HasLocalProject)
def nginx_config(stack):
    stack.run_logged("nginx-test", [*stack.nginx, "-t"])
    gixy = subprocess.run(
        [BIN / "gixy", stack.nginx_prefix / "nginx.conf"],
        capture_output=True,
        text=True,
        check=False,
    )
    (stack.logs / "gixy.log").write_text(gixy.stdout + gixy.stderr)
    check(
        gixy.returncode == 0 and "No issues found" in gixy.stdout,
        "gixy found issues",
        stack.logs / "gixy.log",
    )
    return "nginx -t ok, gixy: no issues"
