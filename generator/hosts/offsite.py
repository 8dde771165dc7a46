"""The place a host's backups are copied to: an rsync daemon on this
machine's end of the test bridge, so the copy leaves the host over the
network, through the backup unit's IPAddressAllow=, as it would in
production."""

import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.checking import StepFailed, poll
from generator.loopback import free_port

MODULE = "backups"


@dataclass
class Offsite:
    address: str
    port: int
    folder: Path

    @property
    def url(self):
        return f"rsync://{self.address}:{self.port}/{MODULE}/"

    def files(self, pattern="*"):
        return sorted(self.folder.glob(pattern))


def _listening(address, port):
    listening = subprocess.run(
        ["ss", "-Htln", f"src {address}:{port}"], capture_output=True, text=True
    )
    return bool(listening.stdout.strip())


@contextmanager
def rsync_target(work, address):
    """An rsync daemon on address that keeps what it is sent in work/offsite
    until the block ends."""
    offsite = Offsite(address, free_port(), Path(work) / "offsite")
    offsite.folder.mkdir(mode=0o700)
    config = Path(work) / "rsyncd.conf"
    config.write_text(
        f"pid file = {work}/rsyncd.pid\n"
        "use chroot = no\n"
        "uid = root\n"
        "gid = root\n"
        f"[{MODULE}]\n"
        f"    path = {offsite.folder}\n"
        "    read only = no\n"
    )
    log = Path(work) / "rsyncd.log"
    daemon = subprocess.Popen(
        [
            "rsync", "--daemon", "--no-detach", f"--config={config}",
            f"--address={address}", f"--port={offsite.port}", f"--log-file={log}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip

    def listening():
        if daemon.poll() is not None:
            raise StepFailed(f"the rsync daemon exited {daemon.returncode}", log)
        return _listening(address, offsite.port)

    try:
        poll(listening, f"rsync daemon on {address}:{offsite.port}", 10, log)
        yield offsite
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
