"""Bounded request loops that keep a stack busy while something changes it."""

import http.client
import threading
import time
from collections import Counter
from contextlib import contextmanager

from generator.processes import check, wait_for

# Each loop stops at whichever comes first.
MAX_REQUESTS = 3000
MAX_SECONDS = 30.0


class LoopResult:
    """Answers by status (or error name) and the slowest request, in seconds."""

    def __init__(self):
        self.counts = Counter()
        self.longest = 0.0
        self._lock = threading.Lock()

    def record(self, outcome, seconds):
        with self._lock:
            self.counts[outcome] += 1
            self.longest = max(self.longest, seconds)

    @property
    def sent(self):
        return self.counts.total()

    @property
    def failed(self):
        return self.sent - self.counts[200]

    def wait_for_more_answers(self, how_many=20):
        before = self.counts[200]
        wait_for(lambda: self.counts[200] >= before + how_many, "answers to go on")

    def summary(self):
        return (
            f"{self.sent} requests, {self.failed} failed, "
            f"longest {self.longest * 1000:.0f} ms"
        )

    def assert_none_failed(self):
        check(not self.failed, f"{self.failed} of {self.sent} failed: {self.counts}")


@contextmanager
def request_loop(client, path="/api/health/", concurrency=1):
    """GET path over and over from `concurrency` threads, bounded in count and
    time; yields a LoopResult once answers flow."""
    result, stop = LoopResult(), threading.Event()
    end = time.monotonic() + MAX_SECONDS

    def loop():
        while not stop.is_set() and time.monotonic() < end:
            if result.sent >= MAX_REQUESTS:
                return
            started = time.perf_counter()
            try:
                outcome = client.get(path).status
            # A worker killed mid-answer leaves a response cut short
            # (IncompleteRead): a failed request, not the end of the loop.
            except (OSError, http.client.HTTPException) as error:
                outcome = type(error).__name__
            result.record(outcome, time.perf_counter() - started)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: result.counts[200] >= 20, "the request loop to get going")
        yield result
    finally:
        stop.set()
        for thread in threads:
            thread.join()
