"""The benchmark, smoke-sized: every row printed, no errors. Speed itself is
measured by `make bench` (BENCHMARKS.md), never asserted here."""

import re

from generator.bench import RATIOS, parse_wrk

from .helpers import BIN, run

ROWS = (
    "ours: Nginx + Gunicorn, our config",
    "manage.py runserver",
    "gunicorn config.wsgi, no config",
    "ceiling: WSGI hello, same Nginx + config",
    "static file: Nginx",
    "static file: WhiteNoise (our Gunicorn)",
    "token obtain (Argon2), 1 client",
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


def test_bench_smoke_prints_every_row_without_errors():
    result = run(
        [BIN / "prodstack", "bench", "--variant", "default", "--duration", "1",
         "--rounds", "1", "--connections", "8"]
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {}
    for line in result.stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0] in ROWS:
            rows[cells[0]] = cells
    assert set(rows) == set(ROWS), result.stdout
    for name, cells in rows.items():
        assert float(cells[1]) > 0, name
        assert cells[4] == "0", f"{name}: {cells[4]} errors"
    for label, _, _ in RATIOS:
        assert re.search(rf"\| {re.escape(label)} \| [\d.]+x \|", result.stdout), label
    assert "JWTStatelessUserAuthentication" in result.stdout
