import shutil
import tempfile
import time
from pathlib import Path

import pytest

from generator.deploy_phases import phase_table

from .helpers import FIGURES, TEMPLATE, TIMINGS, VARIANT_PARAMS, VARIANTS, Baked


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
    started = time.perf_counter()
    result = cookies_session.bake(template=str(TEMPLATE), extra_context=answers)
    TIMINGS[("bake", variant.name)] = time.perf_counter() - started
    assert result.exit_code == 0, result.exception
    return Baked(variant, result.project_path, answers)


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    terminalreporter.section("time per variant (seconds)")
    steps = sorted({step for step, _ in TIMINGS})
    terminalreporter.write_line(
        "variant".ljust(12) + "".join(s.rjust(16) for s in steps)
    )
    for name in VARIANTS:
        cells = [TIMINGS.get((step, name)) for step in steps]
        terminalreporter.write_line(
            name.ljust(12)
            + "".join(("-" if c is None else f"{c:.2f}").rjust(16) for c in cells)
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
