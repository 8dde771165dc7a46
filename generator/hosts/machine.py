"""One Debian 12 host: systemd-nspawn on its own root folder, systemd as PID
1, in a network namespace made for it. It can be rebooted (nspawn exits on a
reboot; it is started again on the same folder and namespace), killed
abruptly (SIGKILL to its PID 1), and commands run inside it.
"""

import os
import signal
import subprocess
from pathlib import Path

from generator.checking import StepFailed, poll

BOOT_DEADLINE = 60
# A clean shutdown may wait for a unit's TimeoutStopSec (the service's is 35 s);
# on 2 loaded cores a reboot once took more than 30 s.
STOP_DEADLINE = 90
# systemd-nspawn's exit status when the container asked to reboot.
REBOOT_STATUS = 133

# A container's systemd on this machine (cgroup v1 with v2 beside it) ignores
# the units' IPAddressAllow= and IPAddressDeny= without a word. It enforces
# them, as a real Debian 12 host does, with the unified cgroup hierarchy and
# the bpf() system call (the capabilities its cgroup programs need).
UNIFIED_CGROUPS = {"SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1"}
ENFORCED_IP_ACCESS_LISTS = (
    "--capability=CAP_BPF,CAP_SYS_ADMIN,CAP_PERFMON",
    "--system-call-filter=bpf",
)


class MachineError(StepFailed):
    pass


class Machine:
    def __init__(self, root, name, netns, log):
        self.root, self.name, self.netns, self.log = Path(root), name, netns, log
        self.nspawn = None
        # The container's PID 1 of each boot, as this machine saw it.
        self.leaders = []

    # Life cycle ---------------------------------------------------------

    def boot(self):
        """Start the container and wait until systemd says it is up."""
        if self.alive():
            raise MachineError(f"{self.name} is already running")
        if self.nspawn is not None:
            # Booted before (rebooted, or lost and started again).
            self._forget_firewall()
        with open(self.log, "a") as log:
            self.nspawn = subprocess.Popen(
                [
                    "systemd-nspawn",
                    "--quiet",
                    f"--directory={self.root}",
                    "--boot",
                    # There is no systemd on this machine to register with.
                    "--register=no",
                    "--keep-unit",
                    "--console=pipe",
                    f"--machine={self.name}",
                    f"--network-namespace-path={self.netns.path}",
                    # The namespace is the host's own: its root manages the
                    # firewall there, as on a real server (--private-network
                    # would imply this).
                    "--capability=CAP_NET_ADMIN",
                    *ENFORCED_IP_ACCESS_LISTS,
                ],
                env={**os.environ, **UNIFIED_CGROUPS},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = f"{self.name}'s systemd to start"
        poll(self.systemd_started, started, BOOT_DEADLINE, self.log)
        self.leaders.append(self.leader())
        result = self.run(
            "systemctl", "is-system-running", "--wait", check=False, timeout=120
        )
        state = result.stdout.strip()
        if state not in ("running", "degraded"):
            raise MachineError(
                f"{self.name} booted to {state!r} ({result.stderr.strip()}); "
                f"see {self.log}"
            )
        return state

    def systemd_started(self):
        """True once the container's PID 1 is systemd (nspawn forks a helper
        first) and its bus answers."""
        leader = self.leader()
        try:
            started = Path(f"/proc/{leader}/comm").read_text().strip() == "systemd"
        except (OSError, TypeError):
            return False
        if not started:
            return False
        state = self.run("systemctl", "is-system-running", check=False).stdout
        return state.strip() not in ("", "offline")

    def leader(self):
        """The container's PID 1 as this machine sees it, or None."""
        if not self.alive():
            return None
        children = Path(f"/proc/{self.nspawn.pid}/task/{self.nspawn.pid}/children")
        try:
            pids = children.read_text().split()
        except OSError:
            return None
        return int(pids[0]) if pids else None

    def alive(self):
        return self.nspawn is not None and self.nspawn.poll() is None

    def wait_for_exit(self, deadline=STOP_DEADLINE):
        try:
            return self.nspawn.wait(deadline)
        except subprocess.TimeoutExpired:
            raise MachineError(f"{self.name} did not stop within {deadline}s") from None

    def reboot(self):
        """`systemctl reboot` inside, then nspawn again on the same folder and
        namespace, as a provider's hypervisor would."""
        self.run("systemctl", "reboot", check=False)
        status = self.wait_for_exit()
        if status != REBOOT_STATUS:
            raise MachineError(f"{self.name} exited {status} on reboot; see {self.log}")
        return self.boot()

    def _forget_firewall(self):
        """A real reboot starts with an empty firewall; this host's network
        namespace outlives it, rules and all. Empty it (with the host's own
        nft, if it has one), so only the host's boot can load them again."""
        nft = self.root / "usr/sbin/nft"
        if not nft.exists():
            return
        subprocess.run(
            ["nsenter", f"--net={self.netns.path}", "chroot", self.root,
             "/usr/sbin/nft", "flush", "ruleset"],
            check=True, capture_output=True,
        )  # fmt: skip

    def kill(self):
        """Lose the host abruptly: SIGKILL to its PID 1 ends every process in
        it at once, with no shutdown of any kind."""
        leader = self.leader()
        if leader:
            os.kill(leader, signal.SIGKILL)
        return self.wait_for_exit()

    def stop(self):
        """Power off cleanly; kill it when that does not work in time."""
        if not self.alive():
            return
        try:
            self.run("systemctl", "poweroff", check=False)
            self.wait_for_exit()
        except (MachineError, subprocess.SubprocessError):
            os.killpg(self.nspawn.pid, signal.SIGKILL)
            self.nspawn.wait()

    # Inside -------------------------------------------------------------

    def run(self, *command, check=True, timeout=60, input=None):
        """Run a command inside the host, in all of its namespaces."""
        leader = self.leader()
        if leader is None:
            raise MachineError(f"{self.name} is not running")
        result = subprocess.run(
            ["nsenter", f"--target={leader}", "--all", *map(str, command)],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )
        if check and result.returncode != 0:
            said = (result.stderr or result.stdout).strip()[-1500:]
            raise MachineError(
                f"`{' '.join(map(str, command))}` on {self.name} exited "
                f"{result.returncode}: {said}"
            )
        return result
