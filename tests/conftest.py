import time

import pytest

from generator.postgres import postgres_cluster

from .helpers import TEMPLATE, TIMINGS, VARIANT_PARAMS, VARIANTS, Baked


@pytest.fixture(scope="session", params=VARIANT_PARAMS)
def baked(request, cookies_session):
    """Each variant baked once per session; slow checks share the bake."""
    variant = request.param
    started = time.perf_counter()
    result = cookies_session.bake(template=str(TEMPLATE), extra_context=variant.answers)
    TIMINGS[("bake", variant.name)] = time.perf_counter() - started
    assert result.exit_code == 0, result.exception
    return Baked(variant, result.project_path)


@pytest.fixture(scope="session")
def database_url():
    """A real PostgreSQL 15 server for the session, started on first use."""
    with postgres_cluster() as url:
        yield url


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
