"""A throwaway PostgreSQL cluster in a temp dir on a free port.

PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` system user and its commands run through runuser.
"""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from generator.checking import StepFailed
from generator.loopback import free_port
from generator.tools import find

START_TIMEOUT = 30


def _run(*command):
    """Run a PostgreSQL tool as the cluster's owner; fail with its own words."""
    tool = command[0]
    command = [find(tool) or tool, *map(str, command[1:])]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StepFailed(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _chown_to_postgres(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class Cluster:
    """One initialised cluster that can be stopped and started again."""

    def __init__(self, root, user):
        self.root, self.user = root, user
        self.data, self.sockets = root / "data", root / "run"
        self.port = free_port()
        self.log = root / "postgres.log"
        self.url = f"postgres://{user}@127.0.0.1:{self.port}/{user}"

    def init(self):
        self.sockets.mkdir()
        _chown_to_postgres(self.root)
        _chown_to_postgres(self.sockets)
        _run("initdb", "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8")
        self.start()
        _run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", self.user, self.user)

    def start(self):
        # fsync off: a throwaway cluster need not survive a crash.
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
            " -c fsync=off"
        )
        _run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", START_TIMEOUT,
             "-o", options, "start")  # fmt: skip

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            _run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


@contextmanager
def postgres_cluster(user="app"):
    """Yield a running Cluster whose `url` names a superuser `user` and that
    user's own database. Django's test runner creates and drops its own test
    database beside it."""
    root = Path(tempfile.mkdtemp(prefix="prodstack-pg-"))
    root.chmod(0o755)
    cluster = Cluster(root, user)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
