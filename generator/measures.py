"""What the benchmark measures and how it reads it: wrk's output, the memory
of a process tree (PSS and RSS), and the tables it prints."""

import contextlib
import re
import statistics
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from generator.checking import StepFailed


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_mb: float | None = None


@dataclass
class Row:
    scenario: str
    runs: list = field(default_factory=list)

    def median(self, attribute):
        values = [getattr(run, attribute) for run in self.runs]
        values = [value for value in values if value is not None]
        return statistics.median(values) if values else None

    @property
    def errors(self):
        return sum(run.errors for run in self.runs)


def _milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output):
    """Requests/s, p50 and p99 latency and errors from `wrk --latency`."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: (.*)", output):
        errors += sum(int(n) for n in re.findall(r"\d+", match.group(1)))
    return Measurement(rps, p50, p99, errors)


WRK_THREADS = 2


def run_wrk(url, headers, duration, connections, hosts, script=None):
    """wrk in a private mount namespace whose /etc/hosts is the file hosts
    (mapping the site's domain to the address to measure), so TLS names the
    right server and no name is ever looked up outside this machine."""
    command = [
        "wrk", "--latency", f"-t{min(WRK_THREADS, connections)}",
        f"-c{connections}",
        f"-d{duration}s", "--timeout", "5s",
        *(f"-H{name}: {value}" for name, value in headers.items()),
        *(["-s", str(script)] if script else []), url,
    ]  # fmt: skip
    wrapped = [
        "unshare", "--mount", "--", "sh", "-c",
        'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts), *command,
    ]  # fmt: skip
    result = subprocess.run(wrapped, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StepFailed(f"wrk failed: {result.stderr.strip()}")
    return parse_wrk(result.stdout)


def process_tree(pid):
    pids, queue = [], [str(pid)]
    while queue:
        current = queue.pop()
        pids.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        with contextlib.suppress(OSError):  # the process has just exited
            queue += children.read_text().split()
    return pids


@dataclass
class Memory:
    """A process tree's memory in MB. PSS divides each shared page among the
    processes that share it, so it sums to what the tree really costs; RSS
    counts a shared page once per process."""

    pss_mb: float
    rss_mb: float
    processes: int


def tree_memory(pid):
    pss_kb = rss_kb = processes = 0
    for member in process_tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        pss_kb += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1))
        rss_kb += int(re.search(r"^Rss:\s+(\d+) kB", rollup, re.M).group(1))
        processes += 1
    return Memory(pss_kb / 1024, rss_kb / 1024, processes)


class PeakRss:
    """Samples the summed RSS of a process tree every 50 ms; keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_memory(self.pid).rss_mb)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def table(rows):
    yield "| scenario | req/s | p50 ms | p99 ms | errors | peak RSS MB |"
    yield "|---|---:|---:|---:|---:|---:|"
    for row in rows:
        rss = row.median("rss_mb")
        yield (
            f"| {row.scenario} | {row.median('rps'):.0f} | {row.median('p50_ms'):.1f} "
            f"| {row.median('p99_ms'):.1f} | {row.errors} | "
            f"{'-' if rss is None else f'{rss:.0f}'} |"
        )


def memory_table(memories):
    yield "| server, after a warm-up | processes | PSS MB | RSS MB |"
    yield "|---|---:|---:|---:|"
    for name, memory in memories.items():
        yield (
            f"| {name} | {memory.processes} | {memory.pss_mb:.0f} "
            f"| {memory.rss_mb:.0f} |"
        )
