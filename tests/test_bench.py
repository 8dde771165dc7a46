"""The benchmark, smoke-sized: every row measured, no errors. Speed itself is
measured by `make bench` (BENCHMARKS.md), never asserted here."""

import os
import re

from generator.bench import (
    CEILING,
    HEALTH_UNDER_ATTACK,
    MEMORY_NO_PRELOAD,
    MEMORY_PRELOAD,
    OURS,
    PLAIN,
    RATIOS,
    RUNSERVER,
    STATIC_NGINX,
    STATIC_WHITENOISE,
    TOKEN,
    Bench,
)
from generator.measures import parse_wrk, tree_memory

from .helpers import TEMPLATE, VARIANTS

# Every scenario the report holds.
ROWS = (
    OURS,
    RUNSERVER,
    PLAIN,
    CEILING,
    STATIC_NGINX,
    STATIC_WHITENOISE,
    TOKEN,
    HEALTH_UNDER_ATTACK,
    MEMORY_PRELOAD,
    MEMORY_NO_PRELOAD,
)

WRK_OUTPUT = """\
Running 1s test @ https://api.example.com:4443/api/notes/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    70.12ms   10.20ms 120.00ms   80.00%
  Latency Distribution
     50%   67.20ms
     75%   75.00ms
     90%   85.00ms
     99%  999.70us
  457 requests in 1.00s, 1.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    457.12
Transfer/sec:      1.00MB
"""


def test_wrk_output_is_parsed_with_units_and_errors():
    measurement = parse_wrk(WRK_OUTPUT)
    assert measurement.rps == 457.12
    assert measurement.p50_ms == 67.2
    assert measurement.p99_ms == 0.9997
    assert measurement.errors == 7


def test_bench_smoke_measures_every_row_without_errors(cookies, deploy_base):
    answers = VARIANTS["default"].answers_for_test_stack(
        deploy_base / "bench_smoke", slug="bench_smoke"
    )
    baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
    assert baked.exit_code == 0, baked.exception
    lines = []
    bench = Bench(baked.project_path, duration=1, connections=8, rounds=1,
                  out=lines.append)  # fmt: skip

    rows = bench.run()

    assert set(rows) == set(ROWS), "\n".join(lines)
    for name, row in rows.items():
        assert row.median("rps") > 0, name
        assert row.errors == 0, f"{name}: {row.errors} errors"
    report = bench.report()
    for label, _, _ in RATIOS:
        assert re.search(rf"\| {re.escape(label)} \| [\d.]+x \|", report), label
    assert set(bench.authentication) == {"lookup", "stateless", "signature"}
    assert bench.request_cpu_ms > 0
    for name, memory in bench.memory.items():
        # A master and its workers, each counted; shared pages counted once.
        assert memory.processes > 1 and 0 < memory.pss_mb < memory.rss_mb, name
    assert "PSS: preload / no preload" in report
    # The flood met the admin sign-in's limits (429s count as errors there).
    assert bench.attack.errors > 0


def test_tree_memory_counts_a_process_and_its_children():
    memory = tree_memory(os.getpid())
    assert memory.processes >= 1
    assert 0 < memory.pss_mb <= memory.rss_mb
