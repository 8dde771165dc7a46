"""The one request loop: requests sent over and over from a few threads
while something changes a stack, bounded in count and time, stopping by
itself. It counts what each request was answered and the slowest; a
subclass sends other requests (notes, say) or remembers more."""

import http.client
import threading
import time
from collections import Counter
from typing import NamedTuple

from generator.checking import check, poll

# Answers a loop must have had before it counts as going, and after a
# change before the stack counts as serving on.
ANSWERS_TO_GO_ON = 20


class Limit(NamedTuple):
    """A loop stops at whichever comes first."""

    requests: int
    seconds: float


# A check's loop lasts as long as a signal takes to act.
SHORT = Limit(3000, 30.0)
# A release on a busy machine can take minutes at some 250 requests a second.
LONG = Limit(100_000, 300.0)


class RequestLoop:
    """GETs of path from `threads` threads at once."""

    ok_status = 200

    def __init__(self, client, path="/api/health/", threads=1, limit=SHORT):
        self.client, self.path, self.limit = client, path, limit
        self.sent = 0
        self.counts = Counter()  # by status, or by the error's name
        self.longest = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop) for _ in range(threads)]

    def send(self, number):
        """The request numbered `number` (from 0) of this loop."""
        return self.client.get(self.path)

    def answered(self, number, outcome, response):
        """Called, under the loop's lock, with each request's status (or its
        error's name) and its response (None on an error)."""

    @property
    def answers(self):
        return self.counts[self.ok_status]

    @property
    def failed(self):
        """Failed requests by status or error name."""
        return Counter(
            {key: n for key, n in self.counts.items() if key != self.ok_status}
        )

    @property
    def failures(self):
        return self.counts.total() - self.answers

    def _loop(self):
        end = time.monotonic() + self.limit.seconds
        while not self._stop.is_set() and time.monotonic() < end:
            with self._lock:
                if self.sent >= self.limit.requests:
                    return
                number = self.sent
                self.sent += 1
            started = time.perf_counter()
            try:
                response = self.send(number)
                outcome = response.status
            # A worker killed mid-answer leaves a response cut short
            # (IncompleteRead, an HTTPException, not an OSError): a failed
            # request, which must not end the thread uncounted.
            except (OSError, http.client.HTTPException) as error:
                response, outcome = None, type(error).__name__
            elapsed = time.perf_counter() - started
            with self._lock:
                self.counts[outcome] += 1
                self.longest = max(self.longest, elapsed)
                self.answered(number, outcome, response)

    def wait_for_more(self, what="answers to go on", count=None):
        """Until count() (the answers, unless given) has grown by
        ANSWERS_TO_GO_ON."""
        count = count or (lambda: self.answers)
        before = count()
        poll(lambda: count() >= before + ANSWERS_TO_GO_ON, what)

    def summary(self):
        return (
            f"{self.sent} requests, {self.failures} failed, "
            f"longest {self.longest * 1000:.0f} ms"
        )

    def check_none_failed(self):
        failed = dict(self.failed)
        check(not self.failures, f"{self.failures} of {self.sent} failed: {failed}")

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        try:
            poll(lambda: self.answers >= ANSWERS_TO_GO_ON, "the request loop to go")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()


class NoteLoop(RequestLoop):
    """POSTs of notes as one user, each with a title of its own (prefix and
    a number, so that sorted titles are in the order they were sent);
    remembers what each title was answered."""

    ok_status = 201

    def __init__(self, client, access, prefix, threads=1, limit=LONG):
        super().__init__(client, threads=threads, limit=limit)
        self.access, self.prefix = access, prefix
        self.outcomes = {}

    def title(self, number):
        return f"{self.prefix}-{number:06d}"

    def send(self, number):
        note = {"title": self.title(number)}
        return self.client.post("/api/notes/", note, token=self.access)

    def answered(self, number, outcome, response):
        self.outcomes[self.title(number)] = outcome

    def titles_answered(self, status=201):
        """Titles answered with status, in the order they were sent."""
        with self._lock:
            return sorted(
                t for t, outcome in self.outcomes.items() if outcome == status
            )
