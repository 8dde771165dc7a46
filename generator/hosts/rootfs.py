"""A Debian 12 root file system for test hosts: built once with debootstrap,
kept in a cache folder keyed on what it holds, copied fresh for every host.

The image is what a fresh server has (systemd, SSH, Python for Ansible), and
no more. What the playbook installs (Nginx, certbot, PostgreSQL, ...) is only
downloaded into apt's archive, with apt's index beside it: the playbook then
really installs those packages, with their own setup scripts (Debian's default
Nginx site, the PostgreSQL cluster), on a host that has no route out.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from generator.checking import StepFailed
from generator.tools import require

CACHE = Path(os.environ.get("PRODSTACK_CACHE", "/var/cache/prodstack"))
SUITE = "bookworm"
# Installed: a fresh Debian 12 server as a provider hands it over.
INSTALLED = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "procps",
    "adduser",
    "iproute2",
    "ca-certificates",
    "openssh-server",
    "python3",
    # Ansible's apt module needs it; on a host that is online it installs
    # this package itself, which this offline host cannot.
    "python3-apt",
)
# Downloaded only: whatever any variant's playbook installs.
DOWNLOADED = (
    "nginx",
    "certbot",
    "openssl",
    "python3-venv",
    "python3-packaging",
    "postgresql",
    "jq",
    "prometheus-node-exporter",
    # The host baseline: firewall, security updates, and the audit that
    # scores the host before and after the playbook.
    "nftables",
    "unattended-upgrades",
    "lynis",
    # The deploy user's way to root (a minimal install has no sudo).
    "sudo",
    "logrotate",
    # Backups: the off-host copy.
    "rsync",
    # What the runbook's by-hand steps use besides.
    "curl",
)
# Bump when the recipe below changes in a way the lists do not show.
RECIPE = 2


class RootfsError(StepFailed):
    pass


def debian_mirror():
    """The mirror this machine's apt uses (deb822 or one-line sources)."""
    if os.environ.get("PRODSTACK_DEBIAN_MIRROR"):
        return os.environ["PRODSTACK_DEBIAN_MIRROR"]
    for sources in sorted(Path("/etc/apt").glob("sources.list.d/*.sources")):
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    sources = Path("/etc/apt/sources.list")
    if sources.is_file():
        for line in sources.read_text().splitlines():
            parts = line.split()
            if parts[:1] == ["deb"] and "security" not in line:
                return parts[1]
    return "http://deb.debian.org/debian"


def cache_key(mirror):
    recipe = {
        "suite": SUITE,
        "mirror": mirror,
        "installed": sorted(INSTALLED),
        "downloaded": sorted(DOWNLOADED),
        "recipe": RECIPE,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def _run(command, log):
    with log.open("a") as output:
        output.write(f"$ {' '.join(map(str, command))}\n")
        output.flush()
        result = subprocess.run(
            [str(part) for part in command],
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise RootfsError(
            f"{command[0]} exited {result.returncode} while building the host "
            f"image; see {log}"
        )


def _chroot(root, script, log):
    env = "DEBIAN_FRONTEND=noninteractive"
    _run(["chroot", root, "/bin/sh", "-ec", f"export {env}; {script}"], log)


def _build(root, mirror, log):
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(INSTALLED)}",
            SUITE,
            root,
            mirror,
        ],
        log,
    )
    security = mirror.rstrip("/").removesuffix("/debian") + "/debian-security"
    (root / "etc/apt/sources.list").write_text(
        f"deb {mirror} {SUITE} main\n"
        f"deb {mirror} {SUITE}-updates main\n"
        f"deb {security} {SUITE}-security main\n"
    )
    # A server answers to its own name; debootstrap copies this machine's.
    (root / "etc/hostname").write_text("debian\n")
    # Up to date, as a provider's image is on the day it is made.
    _chroot(
        root,
        "apt-get update -qq && apt-get upgrade -y -qq "
        "&& apt-get install -y -qq --download-only " + " ".join(DOWNLOADED),
        log,
    )
    # Every host makes its own SSH host keys (see fresh_copy).
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()


def _image_path(mirror):
    return CACHE / f"rootfs-{cache_key(mirror)}"


def image_is_cached():
    return _image_path(debian_mirror()).is_dir()


def cached_rootfs(out=print):
    """The path of the cached image, building it first if need be (about two
    minutes). Concurrent runs wait for one build."""
    mirror = debian_mirror()
    key = cache_key(mirror)
    CACHE.mkdir(parents=True, exist_ok=True)
    image = _image_path(mirror)
    with (CACHE / "rootfs.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if image.is_dir():
            return image
        require("image")
        building = CACHE / f"rootfs-{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        log = CACHE / f"rootfs-{key}.log"
        log.write_text("")
        out(f"building the Debian 12 host image from {mirror} (log: {log}) ...")
        started = time.perf_counter()
        try:
            _build(building, mirror, log)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        building.rename(image)
        out(f"host image ready in {time.perf_counter() - started:.0f}s: {image}")
        return image


def fresh_copy(image, target):
    """A clean copy of the image for one host, with SSH host keys of its own."""
    subprocess.run(["cp", "-a", "--reflink=auto", image, target], check=True)
    subprocess.run(["ssh-keygen", "-A", "-f", target], check=True, capture_output=True)
    return target
