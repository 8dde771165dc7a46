"""Tools of the host proofs: checks that fail with what to fix (the same as
verify's), polling with a host's deadline, and bounded concurrent request
loops that tell which release answered."""

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from generator.processes import check, wait_for

LOOP_THREADS = 4
# requests, seconds: a loop stops at either. A release on a busy machine can
# take two minutes at some 250 requests a second.
LOOP_LIMIT = (100000, 300.0)
# A host answers after a restart, a reboot or a deploy: longer than a process.
ANSWER_DEADLINE = 60.0
# The header a release built by the proof adds to the health view's answers.
RELEASE_HEADER = "X-Release-Probe"


def poll(probe, what, deadline=ANSWER_DEADLINE):
    return wait_for(probe, what, deadline)


@dataclass
class LoopResult:
    sent: int = 0
    failed: Counter = field(default_factory=Counter)
    longest: float = 0.0
    releases: Counter = field(default_factory=Counter)

    @property
    def failures(self):
        return sum(self.failed.values())


class RequestLoop:
    """Concurrent GETs of the health view over HTTPS, bounded in count and
    time; counts failures, the longest request and which code answered.
    A subclass sends other requests by overriding send()."""

    ok_status = 200

    def __init__(self, client, path="/api/health/", threads=LOOP_THREADS):
        self.client, self.path = client, path
        self.result = LoopResult()
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop) for _ in range(threads)]

    def send(self, number):
        """The request numbered `number` (from 0) of this loop."""
        return self.client.get(self.path)

    def answered(self, number, outcome):
        """Called with each request's status, or its error's name."""

    def _loop(self):
        max_requests, max_seconds = LOOP_LIMIT
        end = time.monotonic() + max_seconds
        while not self.stop_event.is_set() and time.monotonic() < end:
            with self.lock:
                if self.result.sent >= max_requests:
                    return
                number = self.result.sent
                self.result.sent += 1
            started = time.perf_counter()
            try:
                response = self.send(number)
                outcome = response.status
                release = response.headers.get(RELEASE_HEADER, "first")
            # A truncated answer (IncompleteRead) is an HTTPException, not
            # an OSError: it too is a failed request, and must not end the
            # thread uncounted.
            except (OSError, http.client.HTTPException) as error:
                outcome, release = type(error).__name__, None
            elapsed = time.perf_counter() - started
            self.answered(number, outcome)
            with self.lock:
                self.result.longest = max(self.result.longest, elapsed)
                if outcome != self.ok_status:
                    self.result.failed[outcome] += 1
                else:
                    self.result.releases[release] += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        poll(lambda: self.result.sent >= 20, "the request loop to get going")
        return self.result

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join()


def check_no_failures(loop):
    failed = dict(loop.failed)
    check(not loop.failures, f"{loop.failures} of {loop.sent} failed: {failed}")


def answering_release(stack):
    response = stack.https.get("/api/health/")
    return response.status == 200 and response.headers.get(RELEASE_HEADER, "first")
