"""For the programs that measure in a project's own Python: the time per
call, the best of a few batches after a warm-up. They run as scripts from
this folder, which puts it first on sys.path: `from timing import ...`."""

import time


def best_per_call(call, count, clock=time.perf_counter, batches=5, warm_up=200):
    """Seconds per call of call(), by clock, in the fastest of the batches."""
    for _ in range(warm_up):
        call()
    best = float("inf")
    for _ in range(batches):
        started = clock()
        for _ in range(count):
            call()
        best = min(best, (clock() - started) / count)
    return best
