"""The generated project's own `make deploy` / `make rollback`, run against a
test host as a user runs them, and what their output says."""

import os
import re
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from generator.checking import StepFailed
from generator.deploy_phases import callback_environment

RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


class DeployFailed(StepFailed):
    def __init__(self, message, log):
        super().__init__(f"{message}; see {log}", log)


@dataclass
class PlaybookRun:
    command: str
    seconds: float
    changed: int  # summed over the play recap's hosts
    output: str
    started: float = 0.0  # epoch seconds, when make started
    task_times: Path | None = None  # what deploy_phases.py reads


def clean_environment():
    """This process's environment without what would steer the project's
    make, pip or Ansible from outside (a virtualenv, Django settings)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "ANSIBLE_", "VIRTUAL_ENV", "PYTHON"))
        and key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }


def run_make(project, target, inventory, work, log, *args):
    """`make TARGET INVENTORY=...` in project; its output goes to log."""
    command = ["make", target, f"INVENTORY={inventory}", *args]
    env = {
        **clean_environment(),
        "ANSIBLE_NOCOLOR": "1",
        # SSH connection masters and controller-side temp files of this run
        # stay in this run's folder.
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(work / "ssh" / "control"),
        "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp"),
        **callback_environment(log.with_suffix(".tasks.jsonl")),
    }
    wall_started = time.time()
    started = time.perf_counter()
    with log.open("w") as output:
        result = subprocess.run(
            command,
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    text = log.read_text()
    if result.returncode != 0:
        raise DeployFailed(f"`{' '.join(command)}` exited {result.returncode}", log)
    recap = RECAP.findall(text)
    if not recap:
        raise DeployFailed(f"`{' '.join(command)}` printed no play recap", log)
    changed = sum(int(row[2]) for row in recap)
    return PlaybookRun(
        " ".join(command), seconds, changed, text,
        wall_started, log.with_suffix(".tasks.jsonl"),
    )  # fmt: skip


def end_ssh_masters(work):
    """Ansible's SSH connection masters for this run, which would otherwise
    outlive it by their ControlPersist time."""
    mark = str(work).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if mark in cmdline:
            with suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGTERM)
