"""Commands and long-running processes for a stack, each with its own log file."""

import os
import signal
import subprocess
from pathlib import Path

from generator.checking import StepFailed, check

STOP_DEADLINE = 40


def catches(pid, sig):
    """Whether process pid has a handler for sig (SigCgt in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    return False


def inherited_env():
    """The caller's environment (proxies, CA bundles, caches) without anything
    that would configure the project behind the stack's back."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JWT_", "GUNICORN_"))
        and key not in ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH")
    }


class Processes:
    """Runs commands with their output in logs/NAME.log, and keeps the
    background ones by name so they can be stopped, or killed at the end."""

    def __init__(self, logs, cwd):
        self.logs, self.cwd = logs, cwd
        self.running = {}

    def _spawn(self, name, command, env, cwd):
        """The command started with its output in logs/NAME.log."""
        log = self.logs / f"{name}.log"
        # The child keeps its own copy of the file; ours closes at once.
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(part) for part in command],
                cwd=cwd or self.cwd,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return process, log

    def run(self, name, command, env, cwd=None):
        """Run a command to completion; fail with its log if it exits non-zero."""
        process, log = self._spawn(name, command, env, cwd)
        try:
            returncode = process.wait()
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        check(returncode == 0, f"{name} exited {returncode}", log)
        return log.read_text()

    def start(self, name, command, env, cwd=None):
        process, log = self._spawn(name, command, env, cwd)
        self.running[name] = process
        return process, log

    def stop(self, name, sig=signal.SIGTERM):
        """Signal a process and wait for it and its whole session to end."""
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise StepFailed(
                f"{name} ignored {sig.name} for {STOP_DEADLINE}s"
            ) from None

    def kill_all(self):
        for name in list(self.running):
            process = self.running.pop(name)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
