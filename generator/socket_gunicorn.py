"""Gunicorn started the way the socket unit starts it: systemd-socket-activate
holds the stack's socket (where the unit has its ListenStream) and hands it
over, applies SocketGroup and SocketMode as systemd would, and passes on the
env file's variables only."""

import os
import shutil
import signal
from pathlib import Path

from generator.checking import check, poll
from generator.processes import STOP_DEADLINE, catches

# What Nginx adds in front of every request it proxies.
FORWARDED = {"X-Forwarded-Proto": "https"}


def expected_workers(env):
    """How many workers deploy/gunicorn.conf.py starts with this environment:
    GUNICORN_WORKERS, else its default of two per core plus one, at most 9."""
    return int(env.get("GUNICORN_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 9))


class SocketGunicorn:
    def __init__(self, project, processes, direct, socket_path, runtime_directory):
        self.project, self.processes, self.direct = project, processes, direct
        self.socket_path = socket_path
        self.runtime_directory = runtime_directory
        self.log = processes.logs / "gunicorn.log"
        self.pid = None

    def start(self, env, passed_on, command=None):
        """Start the unit's ExecStart (or a variation of it) with the variables
        named in passed_on, and wait until it answers; return what started."""
        command = command or self.project.exec_start
        self.socket_path.unlink(missing_ok=True)
        # As systemd does for RuntimeDirectory=: a new, empty folder each start.
        shutil.rmtree(self.runtime_directory, ignore_errors=True)
        self.runtime_directory.mkdir(parents=True, mode=0o700)
        process, log = self.processes.start(
            "gunicorn",
            ["systemd-socket-activate", "-l", self.socket_path,
             *(f"--setenv={name}" for name in passed_on), "--", *command],
            env=env,
            cwd=self.project.service["WorkingDirectory"][0],
        )  # fmt: skip
        poll(self.socket_path.is_socket, "the socket to appear", log=log)
        socket_unit = self.project.socket_unit
        shutil.chown(self.socket_path, group=socket_unit["SocketGroup"][0])
        self.socket_path.chmod(int(socket_unit["SocketMode"][0], 8))
        poll(
            lambda: self.direct.get("/api/health/", headers=FORWARDED).status == 200,
            "Gunicorn to answer /api/health/",
            log=log,
        )
        check(
            f"Listening at: unix:{self.socket_path}" in log.read_text(),
            "Gunicorn did not take the socket",
            log,
        )
        self.pid = process.pid
        # Every worker past its start-up, so that a stop reaches each of them.
        workers = expected_workers(env)
        poll(
            lambda: len(self.ready_workers()) == workers,
            f"{workers} workers to start",
            log=log,
        )
        return (
            f"pid {self.pid}, {len(self.worker_pids())} workers on {self.socket_path}"
        )

    def worker_pids(self):
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def ready_workers(self):
        """Workers past their start-up. Until a worker sets its own signal
        handlers it has the master's, which catch HUP and would lose a TERM."""
        return {pid for pid in self.worker_pids() if not catches(pid, signal.SIGHUP)}

    def stop(self):
        """TERM the master and wait until it and every worker have exited;
        return how many processes there were."""
        if "gunicorn" not in self.processes.running:
            return 0
        pids = {self.pid, *self.worker_pids()}
        self.processes.stop("gunicorn", signal.SIGTERM)
        poll(
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids),
            "every Gunicorn process to exit",
            deadline=STOP_DEADLINE,
        )
        return len(pids)

    def log_lines(self):
        """What the service wrote, as its journal would hold it: the log after
        systemd-socket-activate handed over to Gunicorn."""
        lines = self.log.read_text(errors="replace").splitlines()
        handover = next(
            (i for i, line in enumerate(lines) if line.startswith("Execing ")), -1
        )
        return lines[handover + 1 :]
