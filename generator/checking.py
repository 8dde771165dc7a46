"""How a step fails and how it waits, for every stack and every machine
part: one exception (StepFailed, naming the log whose tail explains it),
check() that raises it, and poll(), the one loop that waits for something
with a deadline."""

import time
from pathlib import Path

# Long enough for a test host to answer after a restart, a reboot or a
# deploy on a shared 2-core machine; a process on this machine needs far
# less, and a caller that knows better passes its own.
DEADLINE = 60.0
INTERVAL = 0.05


class StepFailed(Exception):
    """A step or check did not hold. `log` names the file whose tail helps."""

    def __init__(self, message, log=None):
        super().__init__(message)
        self.log = log


def check(condition, message, log=None):
    if not condition:
        raise StepFailed(message, log)


def poll(probe, what, deadline=DEADLINE, log=None):
    """probe() until it returns a true value, which is returned; StepFailed
    naming `what` after deadline seconds. An OSError from the probe
    (nothing listening yet, say) counts as not yet."""
    end = time.monotonic() + deadline
    last_error = None
    while True:
        try:
            result = probe()
        except OSError as error:
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() >= end:
            break
        time.sleep(INTERVAL)
    said = f" (last error: {last_error})" if last_error else ""
    raise StepFailed(f"{what} within {deadline}s{said}", log)


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
