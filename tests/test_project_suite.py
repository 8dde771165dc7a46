"""Each variant installed into a fresh venv, its own test suite run and green."""

import os
import time

from .helpers import BIN, TIMINGS, run


def test_generated_project_passes_its_own_suite(baked, request, tmp_path):
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path / "venv")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if baked.answers["database"] == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("database_url")

    started = time.perf_counter()
    for command in (
        [BIN / "uv", "venv", "--quiet", "--python", BIN / "python", tmp_path / "venv"],
        [BIN / "uv", "pip", "install", "--quiet", "-e", f"{baked.path}[dev]"],
    ):
        result = run(command, env=env)
        assert result.returncode == 0, result.stderr
    TIMINGS[("install", baked.variant.name)] = time.perf_counter() - started

    started = time.perf_counter()
    suite = run(
        [
            tmp_path / "venv" / "bin" / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
        ],
        cwd=baked.path,
        env=env,
    )
    TIMINGS[("project tests", baked.variant.name)] = time.perf_counter() - started
    summary = suite.stdout.strip().splitlines()[-1]
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary, summary
