"""Faults put on the stack on purpose: a worker killed under load, the
database gone, Gunicorn gone. Each says what a client sees meanwhile."""

import signal
import time

from generator.checking import check, poll
from generator.loops import RequestLoop
from generator.stacks.contract import (
    CanStopApp,
    HasDatabaseServer,
    HasGunicornMaster,
    needs,
)

# Nginx must answer at once when Gunicorn is gone, not after a proxy timeout.
UPSTREAM_DOWN_LIMIT = 5.0


@needs(HasGunicornMaster)
def worker_killed(stack):
    """SIGKILL one worker under load: the master replaces it, and at most the
    one request that worker was serving fails."""
    workers = stack.worker_pids()
    victim = min(workers)
    with RequestLoop(stack.https) as loop:
        stack.signal(victim, signal.SIGKILL)
        poll(
            lambda: (
                victim not in stack.worker_pids()
                and len(stack.worker_pids()) == len(workers)
            ),
            "a new worker in place of the killed one",
            log=stack.gunicorn_log,
        )
        loop.wait_for_more()
    check(
        loop.failures <= 1,
        f"{loop.failures} requests failed for one dead worker: {dict(loop.failed)}",
    )
    return f"worker {victim} replaced; {loop.summary()}"


@needs(HasDatabaseServer)
def database_outage(stack):
    """PostgreSQL stopped: 503 in JSON, no traceback; started: back to 200."""
    if stack.database is None:
        return "not applicable: SQLite has no server to stop"
    access = stack.user.access
    stack.database.stop()
    try:
        for path in ("/api/health/", "/api/auth/me/"):
            response = stack.https.get(path, token=access)
            check(response.status == 503, f"{path} answered {response.status}")
            check(
                response.headers["Content-Type"] == "application/json",
                f"{path} answered {response.headers['Content-Type']}",
            )
    finally:
        stack.database.start()
    poll(
        lambda: stack.https.get("/api/auth/me/", token=access).status == 200,
        "the API to answer again after PostgreSQL came back",
        log=stack.gunicorn_log,
    )
    return "503 JSON from health/ and me/ while down; 200 after restart"


@needs(CanStopApp)
def gunicorn_down(stack):
    """With Gunicorn stopped, Nginx answers 502 in JSON at once."""
    stopped = stack.stop_gunicorn()
    started = time.perf_counter()
    response = stack.https.get("/api/health/")
    elapsed = time.perf_counter() - started
    check(response.status == 502, f"Nginx answered {response.status}")
    check(
        response.json()
        == {"detail": "The application is not answering.", "code": "bad_gateway"},
        f"502 body: {response.body[:200]}",
    )
    check(elapsed < UPSTREAM_DOWN_LIMIT, f"the 502 took {elapsed:.1f}s")
    return f"{stopped} processes exited on TERM; 502 JSON in {elapsed * 1000:.0f} ms"
