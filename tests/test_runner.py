"""A run stops cleanly on Ctrl-C and on SIGTERM, even where a shell started
it in the background (`prodstack verify --serve &`) with SIGINT ignored."""

import signal
import subprocess
import sys

import pytest

WAIT_FOR_A_SIGNAL = """
import signal
from generator.runner import handle_termination

handle_termination()
print("ready", flush=True)
signal.pause()
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_run_started_with_sigint_ignored_still_stops(sig):
    process = subprocess.Popen(
        [sys.executable, "-c", WAIT_FOR_A_SIGNAL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # What a non-interactive shell does to a command it starts with `&`.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    # KeyboardInterrupt is what verify's steps and serve loop clean up on.
    assert "KeyboardInterrupt" in stderr
