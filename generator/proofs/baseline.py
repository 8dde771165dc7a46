"""The host around the stack, as the playbook's `host` role leaves it: the
firewall (a TCP scan from another address on the bridge), SSH (`sshd -T`,
logins), security updates (`unattended-upgrade --dry-run`), log limits, and
Lynis's hardening index before and after the deploy.

A scan sends a SYN to every port at once from an address of this machine's
on the bridge: an open port answers SYN-ACK, a closed one RST, and one the
firewall drops nothing at all until the deadline.
"""

import errno
import re
import selectors
import socket
import subprocess
import time

import yaml

from generator.checking import check, poll
from generator.runner import Found, Step
from generator.stacks.contract import HasHostNetwork, HasHostShell, needs

SCAN_PORTS = range(1, 1025)
SCAN_TIMEOUT = 3.0  # a dropped SYN is retransmitted after 1 s; 3 s is ample
SSH_PORT = 22
# What `sshd -T` must show (lower case, as it prints them).
SSHD_SETTINGS = {
    "permitrootlogin": "no",
    "passwordauthentication": "no",
    "kbdinteractiveauthentication": "no",
    "pubkeyauthentication": "yes",
    "authenticationmethods": "publickey",
    "x11forwarding": "no",
    "allowtcpforwarding": "no",
    "kexalgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
    "curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256",
    "ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
    "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
    "macs": "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256,umac-128@openssh.com",
}
SECURITY_ORIGINS = {
    "origin=Debian,codename=bookworm,label=Debian-Security",
    "origin=Debian,codename=bookworm-security,label=Debian-Security",
}
LYNIS_DEADLINE = 300
# The host role's defaults (host_journal_max_use 1G, as journald prints it).
JOURNAL_MAX, JOURNAL_RETENTION = "1.0G", "1month"


def scan(address, ports, source, timeout=SCAN_TIMEOUT):
    """{port: "open" | "closed" | "filtered"} for TCP to address from source,
    every port at once, all answered or given up within timeout."""
    selector = selectors.DefaultSelector()
    states = {}
    try:
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.bind((source, 0))
            sock.connect_ex((address, port))
            selector.register(sock, selectors.EVENT_WRITE, port)
        end = time.monotonic() + timeout
        while selector.get_map() and (left := end - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                error = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                states[key.data] = (
                    "open"
                    if error == 0
                    else "closed"
                    if error == errno.ECONNREFUSED
                    else errno.errorcode.get(error, str(error))
                )
                selector.unregister(key.fileobj)
                key.fileobj.close()
    finally:
        for key in list(selector.get_map().values()):
            states.setdefault(key.data, "filtered")
            key.fileobj.close()
        selector.close()
    return states


def _scan_host(stack):
    ports = sorted({*SCAN_PORTS, stack.http_port, stack.https_port})
    started = time.perf_counter()
    states = scan(stack.address, ports, stack.scanner)
    seconds = time.perf_counter() - started
    by_state = {}
    for port, state in sorted(states.items()):
        by_state.setdefault(state, []).append(port)
    return by_state, len(ports), seconds


def _describe(by_state, count, seconds):
    counts = ", ".join(
        f"{len(ports)} {state}" for state, ports in sorted(by_state.items())
    )
    return f"{count} ports in {seconds:.1f}s: open {by_state.get('open', [])}; {counts}"


def _lynis(stack):
    """Lynis's hardening index for the host as it is now (0-100)."""
    stack.run(
        "lynis", "audit", "system", "--quick", "--no-colors",
        timeout=LYNIS_DEADLINE,
    )  # fmt: skip
    report = stack.inside("/var/log/lynis-report.dat").read_text()
    match = re.search(r"^hardening_index=(\d+)$", report, re.M)
    check(match, "no hardening_index in /var/log/lynis-report.dat")
    return int(match.group(1))


# The proofs -------------------------------------------------------------


@needs(HasHostShell, HasHostNetwork)
def prove_fresh_ports(stack):
    """What a scan finds open on the fresh host, before any deploy."""
    by_state, count, seconds = _scan_host(stack)
    check(SSH_PORT in by_state.get("open", []), f"SSH is not open: {by_state}")
    return Found(
        _describe(by_state, count, seconds),
        {"open_ports_before": by_state.get("open", [])},
    )


class LynisAudit:
    """Lynis's hardening index for the fresh host (Lynis installed from
    apt's archive, as an auditor would), and for the deployed host, which
    must be higher: two proofs of one audit."""

    def __init__(self):
        self.index_before = None

    @needs(HasHostShell)
    def before(self, stack):
        stack.run(
            "env", "DEBIAN_FRONTEND=noninteractive",
            "apt-get", "install", "-y", "-q", "--no-install-recommends", "lynis",
            timeout=120,
        )  # fmt: skip
        self.index_before = _lynis(stack)
        return Found(
            f"hardening index {self.index_before}",
            {"lynis_before": self.index_before},
        )

    @needs(HasHostShell)
    def after(self, stack):
        before, after = self.index_before, _lynis(stack)
        check(after > before, f"Lynis index {after} after the deploy, {before} before")
        return Found(
            f"hardening index {before} on the fresh host, {after} deployed",
            {"lynis_after": after},
        )


def _prove_only_web_ports(stack):
    """From an address SSH is not allowed from, only the site's ports answer;
    every other port is dropped (no RST either)."""
    by_state, count, seconds = _scan_host(stack)
    web = sorted({stack.http_port, stack.https_port})
    check(by_state.get("open") == web, f"open: {by_state.get('open')}, not {web}")
    check(set(by_state) == {"open", "filtered"}, f"not dropped: {by_state}")
    # Where the deploys come from, SSH is let in.
    with socket.create_connection((stack.address, SSH_PORT), 3) as ssh:
        banner = ssh.recv(64).decode(errors="replace").strip()
    check(banner.startswith("SSH-2.0"), "no SSH banner from the deploy's address")
    return by_state, _describe(by_state, count, seconds)


@needs(HasHostShell, HasHostNetwork)
def prove_firewall(stack):
    by_state, described = _prove_only_web_ports(stack)
    ruleset = stack.run("nft", "list", "ruleset").stdout
    check("policy drop" in ruleset, "the input chain's policy is not drop")
    enabled = stack.run("systemctl", "is-enabled", "nftables.service").stdout.strip()
    check(enabled == "enabled", f"nftables.service is {enabled}")
    return Found(
        f"{described}; SSH from {stack.network.gateway} (the deploy's) only, "
        f"ruleset in /etc/nftables.conf, nftables.service {enabled}",
        {"open_ports_after": by_state["open"]},
    )


@needs(HasHostShell, HasHostNetwork)
def prove_firewall_after_reboot(stack):
    """The host's own boot loaded the rules: the harness empties the
    namespace's ruleset while the host is down (machine.py)."""
    leaders = stack.machine.leaders
    check(
        len(leaders) > 1 and leaders[-1] != leaders[-2],
        f"the host has not booted again: its PID 1 of each boot {leaders}",
    )
    active = stack.run("systemctl", "is-active", "nftables.service").stdout.strip()
    check(active == "active", f"nftables.service is {active} after the reboot")
    return _prove_only_web_ports(stack)[1]


def _sshd_validation(stack):
    """The playbook's check of a candidate sshd drop-in (the template task's
    `validate:`), run on the host against the live drop-in and a broken one:
    it must pass the one and refuse the other."""
    tasks = stack.path / "deploy/ansible/roles/host/tasks/ssh.yml"
    (task,) = yaml.safe_load(tasks.read_text())
    validate = task["ansible.builtin.template"]["validate"]
    live = "/etc/ssh/sshd_config.d/10-baseline.conf"
    broken = "/run/sshd-candidate.conf"
    stack.inside(broken).write_text("PermitRootLogin maybe\n")
    try:
        good = stack.run("sh", "-c", validate % live, check=False)
        bad = stack.run("sh", "-c", validate % broken, check=False)
    finally:
        stack.inside(broken).unlink()
    check(good.returncode == 0, f"the live drop-in fails its check: {good.stderr}")
    check(bad.returncode != 0, "a drop-in with a bad value passed the check")
    return bad.stderr.strip().splitlines()[-1]


def _ssh(stack, user, *options):
    return subprocess.run(
        [
            "ssh", "-i", stack.key, "-o", "IdentitiesOnly=yes",
            "-o", f"UserKnownHostsFile={stack.known_hosts}",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=5", *options,
            f"{user}@{stack.address}", "sudo -n id -un",
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


@needs(HasHostShell, HasHostNetwork)
def prove_ssh(stack):
    """sshd's settings in force, a key login as the deploy user (and sudo),
    root refused, and a password never asked for, even for a user that has one."""
    shown = stack.run("sshd", "-T").stdout
    settings = dict(line.split(" ", 1) for line in shown.splitlines() if " " in line)
    for key, value in SSHD_SETTINGS.items():
        check(settings.get(key) == value, f"sshd -T: {key} {settings.get(key)}")
    user = stack.deploy_user
    key_login = _ssh(stack, user)
    check(
        key_login.returncode == 0 and key_login.stdout.strip() == "root",
        f"key login as {user}: {key_login.stderr.strip()}",
    )
    root = _ssh(stack, "root")
    check(root.returncode == 255, f"root logged in: {root.stdout}")
    # A password for the deploy user, for as long as this proof runs.
    shadow = stack.run("getent", "shadow", user).stdout.split(":")[1]
    stack.run("chpasswd", input=f"{user}:a-password-to-refuse\n")
    try:
        password = _ssh(
            stack, user, "-o", "PubkeyAuthentication=no",
            "-o", "PreferredAuthentications=password,keyboard-interactive",
        )  # fmt: skip
    finally:
        stack.run("usermod", "-p", shadow, user)
    check(password.returncode == 255, f"password login went through: {password}")
    refusal = password.stderr.strip().splitlines()[-1]
    check(refusal.endswith("Permission denied (publickey)."), f"refusal: {refusal}")
    refused = _sshd_validation(stack)
    return (
        f"sshd -T: {len(SSHD_SETTINGS)} settings as set; {user}'s key login "
        f"and sudo: ok; root: refused; password: {refusal!r}; "
        f"a bad drop-in fails the playbook's check: {refused!r}"
    )


@needs(HasHostShell)
def prove_security_updates(stack):
    """unattended-upgrade's dry run on the host's own apt index (the host
    has no route out, so it downloads nothing): it runs clean, with the
    security origins only, and no automatic reboot."""
    run = stack.run("unattended-upgrade", "--dry-run", "-d", timeout=180)
    said = run.stdout + run.stderr
    match = re.search(r"Allowed origins are: (.*)", said)
    check(match, f"no allowed origins in the dry run: {said[-500:]}")
    origins = {origin.strip() for origin in match.group(1).split(", ")}
    check(origins == SECURITY_ORIGINS, f"allowed origins: {match.group(1)}")
    reboot = stack.run("apt-config", "dump", "Unattended-Upgrade::Automatic-Reboot")
    check('"false"' in reboot.stdout, f"automatic reboot: {reboot.stdout.strip()}")
    periodic = stack.run("apt-config", "dump", "APT::Periodic").stdout
    check('Unattended-Upgrade "1"' in periodic, f"APT::Periodic: {periodic}")
    verdict = re.search(
        r"^((?:No packages found that can be|Packages that will be) upgraded.*)$",
        said,
        re.M,
    )
    check(verdict, f"the dry run named no packages, nor none: {said[-500:]}")
    return (
        "exit 0; origins: security only; Automatic-Reboot false; "
        f"{verdict.group(1).strip()!r}"
    )


@needs(HasHostShell)
def prove_logs(stack):
    """journald's cap in force, and Nginx's log rotated (forced now) with
    every new line still written, each carrying the request time."""
    journald = stack.run(
        "journalctl", "-b", "--no-pager", "-o", "cat", "-u", "systemd-journald"
    ).stdout
    capped = re.findall(r"System Journal \(.*\) is .*, max ([\d.]+\w)", journald)
    check(capped[-1:] == [JOURNAL_MAX], f"journald's cap: {capped[-1:]}")
    config = stack.run("systemd-analyze", "cat-config", "systemd/journald.conf")
    retention = re.findall(r"^MaxRetentionSec=(\S+)", config.stdout, re.M)
    check(retention[-1:] == [JOURNAL_RETENTION], f"journal retention: {retention}")
    timer = stack.run("systemctl", "is-enabled", "logrotate.timer").stdout.strip()
    check(timer == "enabled", f"logrotate.timer is {timer}")
    rotated = stack.inside(f"/var/log/nginx/{stack.slug}.access.log.1")
    check(not rotated.exists(), f"{rotated.name} before any rotation")
    stack.run("logrotate", "--force", "/etc/logrotate.d/nginx")
    check(rotated.is_file(), f"no {rotated.name} after logrotate")
    response = stack.https.get("/api/health/")
    request_id = response.headers.get("X-Request-ID")
    check(request_id, "no X-Request-ID on the answer")
    line = poll(
        lambda: next(
            (
                line
                for line in stack.site_access_log.read_text().splitlines()
                if request_id in line
            ),
            None,
        ),
        "the request in the new access log",
    )
    duration = re.search(r'"duration": ([\d.]+)', line)
    check(duration, f"no duration in the access line: {line}")
    return (
        f"journal max {capped[-1]}, kept {retention[-1]}; {rotated.name} "
        f"rotated, the next request logged with duration {duration.group(1)}s"
    )


# The proofs of the host's baseline, in the order proofs/host.py runs them.
AFTER_DEPLOY = (
    Step("firewall: the site's ports only", prove_firewall),
    Step("SSH: the deploy user's key only", prove_ssh),
    Step("security updates, dry run", prove_security_updates),
    Step("log cap, rotation, request time", prove_logs),
)
AFTER_REBOOT = (Step("firewall after the reboot", prove_firewall_after_reboot),)
