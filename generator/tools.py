"""The system tools the commands run, by what needs them: the Debian package
that has each, and the make target that installs a group. A command checks
its group before it starts, and a missing tool is one line that says what
to install; the Makefile installs a group with `python -m generator.tools
GROUP...` (as root, apt-get for what is missing).

    python -m generator.tools demo hosts      # install what is missing
"""

import os
import shutil
import subprocess
import sys

from generator.checking import StepFailed

# PostgreSQL's server programs: Debian keeps them off PATH.
POSTGRES_BIN = "/usr/lib/postgresql/15/bin"

# group -> {tool: Debian package}
GROUPS = {
    # verify and the demo: the rendered units, Nginx, TLS, the socket handover
    "demo": {
        "nginx": "nginx-light",
        "openssl": "openssl",
        "systemd-analyze": "systemd",
        "systemd-socket-activate": "systemd",
        "unshare": "util-linux",
        "runuser": "util-linux",
        # the HTML pages rendered under their Content-Security-Policy
        "chromium": "chromium",
    },
    # verify of a PostgreSQL variant: a throwaway cluster
    "postgres": {"initdb": "postgresql-15", "pg_ctl": "postgresql-15"},
    # the benchmark's load generator
    "bench": {"wrk": "wrk"},
    # verify-host and verify-cluster: Debian hosts in containers, pebble,
    # Ansible's SSH, the rsync target of backups
    "hosts": {
        "systemd-nspawn": "systemd-container",
        "pebble": "pebble",
        "pebble-challtestsrv": "pebble",
        "ssh": "openssh-client",
        "ssh-keygen": "openssh-client",
        "nsenter": "util-linux",
        "rsync": "rsync",
        "ip": "iproute2",
        "ss": "iproute2",
        "make": "make",
    },
    # the hosts' image, built once (hosts/rootfs.py)
    "image": {"debootstrap": "debootstrap"},
}
# The make target that installs each group (the Makefile's).
TARGETS = {
    "demo": "demo-deps",
    "postgres": "postgres-deps",
    "bench": "bench-deps",
    "hosts": "host-deps",
    "image": "host-deps",
}


class MissingTool(StepFailed):
    pass


def find(tool):
    return shutil.which(tool) or shutil.which(tool, path=POSTGRES_BIN)


def missing(*groups):
    """(tool, package, group) for each tool of the groups not found."""
    return [
        (tool, package, group)
        for group in groups
        for tool, package in GROUPS[group].items()
        if not find(tool)
    ]


def require(*groups):
    """Raise MissingTool, in one line, for the first missing tool."""
    for tool, package, group in missing(*groups):
        raise MissingTool(
            f"{tool} is missing: install the Debian package {package} "
            f"(`make {TARGETS[group]}` installs it, as root)"
        )


def install(*groups):
    """apt-get install the packages of missing tools; what is then still
    missing is an error."""
    packages = sorted({package for _, package, _ in missing(*groups)})
    if packages:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *packages],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    require(*groups)


if __name__ == "__main__":
    try:
        install(*sys.argv[1:])
    except (MissingTool, subprocess.CalledProcessError) as error:
        sys.exit(f"{error} (run make as root on Debian 12)")
