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

from generator.loopback import free_port

START_TIMEOUT = 30


def _run(*command):
    """Run a PostgreSQL tool as the cluster's owner; fail with its own words."""
    tool, command = command[0], [str(part) for part in command]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _chown_to_postgres(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


@contextmanager
def postgres_cluster(user="app"):
    """Yield a DATABASE_URL for a superuser `user` on a fresh cluster.

    The URL's database is `user`'s own, which exists; Django's test runner
    creates and drops its own test database beside it.
    """
    root = Path(tempfile.mkdtemp(prefix="prodstack-pg-"))
    root.chmod(0o755)
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    _chown_to_postgres(root)
    _chown_to_postgres(sockets)
    port = free_port()
    log = root / "postgres.log"
    # fsync off: a throwaway cluster need not survive a crash.
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run("initdb", "-D", data, "-U", user, "--auth=trust", "-E", "UTF8")
        _run(
            "pg_ctl",
            "-D",
            data,
            "-l",
            log,
            "-w",
            "-t",
            START_TIMEOUT,
            "-o",
            options,
            "start",
        )
        _run("createdb", "-h", "127.0.0.1", "-p", port, "-U", user, user)
        yield f"postgres://{user}@127.0.0.1:{port}/{user}"
    finally:
        if (data / "postmaster.pid").exists():
            _run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
