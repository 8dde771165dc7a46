"""What `prodstack verify-host` proves on a fresh Debian 12 host, in order,
with one host serving the whole sequence. Actions (deploy, release,
rollback, backup, reboot) change the host on purpose; after each, the
checks (generator/checks/) run again, unchanged. Each proof and check
prints PASS or FAIL with its figure.

The deploys themselves are deploys.py's; the host's baseline (firewall,
SSH, updates, logs, Lynis) baseline.py's; backups backups.py's.
"""

import re
import socket
import subprocess
import time

import yaml

from generator import checks
from generator.checking import StepFailed, check, poll
from generator.hosts.clients import served_certificate
from generator.loopback import connect
from generator.proofs import baseline
from generator.proofs.backups import (
    prove_backup_and_restore,
    prove_failed_backup_is_loud,
)
from generator.proofs.broken_releases import prove_broken_releases_refused
from generator.proofs.deploy_speed import deploy_tools, prove_quiet_release
from generator.proofs.deploys import (
    prove_first_deploy,
    prove_no_change,
    prove_reboot,
    prove_release,
    prove_rollback,
)
from generator.runner import Found, Step
from generator.stacks.contract import (
    CanBackUp,
    HasClientAddresses,
    HasGunicornMaster,
    HasHostShell,
    needs,
)

MAX_EXPOSURE = 2.0
EXPOSURE = re.compile(r"Overall exposure level for \S+: ([\d.]+) (\w+)")
NODE_EXPORTER_PORT = 9100


@needs(HasHostShell, HasGunicornMaster, CanBackUp)
def prove_hardening(stack):
    """The live unit's exposure, and a worker's uid, NoNewPrivs, seccomp."""
    security = stack.run("systemd-analyze", "security", f"{stack.slug}.service")
    match = EXPOSURE.search(security.stdout)
    check(match, f"no exposure score: {security.stdout[-300:]}")
    exposure = float(match.group(1))
    check(exposure <= MAX_EXPOSURE, f"exposure {exposure} is above {MAX_EXPOSURE}")
    uid = int(stack.run("id", "-u", stack.slug).stdout)
    workers = stack.worker_pids()
    check(workers, "no Gunicorn workers on the host")
    status = stack.run("cat", f"/proc/{min(workers)}/status").stdout
    fields = dict(re.findall(r"^(\w+):\s*(.*)$", status, re.M))
    real_uid = int(fields["Uid"].split()[0])
    check(real_uid == uid, f"worker runs as uid {real_uid}, not {stack.slug} ({uid})")
    check(fields["NoNewPrivs"] == "1", f"NoNewPrivs: {fields['NoNewPrivs']}")
    check(fields["Seccomp"] == "2", f"Seccomp: {fields['Seccomp']} (2 is filter)")
    return Found(
        f"exposure {exposure} {match.group(2)}; worker {min(workers)}: uid {uid} "
        f"({stack.slug}), NoNewPrivs 1, Seccomp 2; " + _ip_access_lists(stack),
        {"exposure": exposure},
    )


def _reaches(stack, address, port, *properties):
    """Whether a transient unit with these properties connects to address."""
    connect = f"import socket; socket.create_connection(({address!r}, {port}), 5)"
    run = stack.run(
        "systemd-run", "--quiet", "--wait", "--pipe", "--collect",
        *(f"--property={item}" for item in properties),
        "python3", "-c", connect,
        check=False,
    )  # fmt: skip
    return run.returncode == 0


def _ip_access_lists(stack):
    """The units' IPAddressDeny=/IPAddressAllow= hold on this host: a unit
    denied all but localhost cannot reach the off-host backup target, one
    allowed it can. Every outbound proof (mail, error reports, backups)
    then goes through the allow lists the deploy wrote."""
    target = stack.offsite.address, stack.offsite.port
    denied = ("IPAddressDeny=any", "IPAddressAllow=localhost")
    check(_reaches(stack, *target), f"the host cannot reach {target} at all")
    check(not _reaches(stack, *target, *denied), "IPAddressDeny= is not enforced")
    allowed = (*denied, f"IPAddressAllow={target[0]}")
    check(_reaches(stack, *target, *allowed), "IPAddressAllow= does not let it in")
    return f"IPAddressDeny=any enforced, IPAddressAllow={target[0]} lets through"


@needs(HasHostShell)
def prove_node_exporter(stack):
    """The optional node exporter (on for this host) serves host metrics on
    the host's loopback, and nothing answers on its port from outside."""
    metrics = stack.run(
        "python3", "-c",
        "import urllib.request; print(urllib.request.urlopen("
        f"'http://127.0.0.1:{NODE_EXPORTER_PORT}/metrics', timeout=5).read().decode())",
    ).stdout  # fmt: skip
    samples = [line for line in metrics.splitlines() if line.startswith("node_")]
    check(
        any(line.startswith("node_cpu_seconds_total") for line in samples),
        "no node_cpu_seconds_total from the node exporter",
    )
    try:
        socket.create_connection((stack.address, NODE_EXPORTER_PORT), 3).close()
    except OSError as refused:
        outside = type(refused).__name__
    else:
        raise StepFailed(f"the node exporter answers on {stack.address}")
    return (
        f"{len(samples)} node_ samples on 127.0.0.1:{NODE_EXPORTER_PORT}; "
        f"{stack.address}:{NODE_EXPORTER_PORT} from outside: {outside}"
    )


def _certificate(stack):
    der = served_certificate(stack.address, stack.domain, stack.https_port)
    pem = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-noout", "-issuer", "-serial"],
        input=der,
        capture_output=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in pem.stdout.decode().strip().splitlines())


@needs(HasHostShell)
def prove_acme(stack):
    """certbot's certificate from pebble, through the site's ACME path; a
    forced renewal is served after certbot's deploy hook reloads Nginx."""
    first = _certificate(stack)
    check("Pebble" in first["issuer"], f"served certificate issuer: {first['issuer']}")
    started = time.perf_counter()
    stack.run(
        "env", f"REQUESTS_CA_BUNDLE=/etc/ssl/certs/{stack.slug}-acme-server.pem",
        "certbot", "renew", "--force-renewal", "--non-interactive",
        "--no-random-sleep-on-renew",
        timeout=120,
    )  # fmt: skip
    renewed = poll(
        lambda: (cert := _certificate(stack))["serial"] != first["serial"] and cert,
        "Nginx to serve the renewed certificate",
    )
    seconds = time.perf_counter() - started
    return Found(
        f"{first['issuer'].strip()}: serial {first['serial'][:12]}... renewed to "
        f"{renewed['serial'][:12]}... and served in {seconds:.1f}s",
        {"renewal_s": round(seconds, 1)},
    )


# More than Nginx's worker_connections on a small host would take from one
# address (the attack run held 505 and a second client was refused).
HELD_CONNECTIONS = 600
HOST_DEFAULTS = "deploy/ansible/roles/host/defaults/main.yml"


@needs(HasHostShell, HasClientAddresses)
def prove_held_connections(stack):
    """One address opens many connections and never finishes a request on
    them (a slow client): the host's firewall lets that address hold its
    cap and no more (nftables' ct count per source), and another address
    is still served while they are held."""
    cap = yaml.safe_load((stack.path / HOST_DEFAULTS).read_text())[
        "host_connections_per_address"
    ]
    held, refused = [], 0
    try:
        for _ in range(HELD_CONNECTIONS):
            try:
                sock = connect(stack.address, stack.https_port, 5, stack.stranger)
            except ConnectionRefusedError:
                refused += 1
                continue
            held.append(sock)
            sock.sendall(b"\x16\x03\x01")  # a TLS record begun, never ended
        started = time.perf_counter()
        answer = stack.https.get("/api/health/")
        seconds = time.perf_counter() - started
    finally:
        for sock in held:
            sock.close()
    check(len(held) == cap, f"{len(held)} connections held, the cap is {cap}")
    check(refused == HELD_CONNECTIONS - cap, f"{refused} refused")
    check(answer.status == 200, f"another address got {answer.status} meanwhile")
    return Found(
        f"{len(held)} of {HELD_CONNECTIONS} held from {stack.stranger}, {refused} "
        f"reset by the firewall; another address: 200 in {seconds * 1000:.0f} ms",
        {
            "held_connections": len(held),
            "held_connections_refused": refused,
            "health_while_held_s": round(seconds, 3),
        },
    )


AFTER_EACH = checks.AFTER_EACH_ACTION


def sequence(lynis=True):
    """The proofs in order, each with the checks to run after it. Lynis
    (about 30 s a run, twice) audits the host, which is the same for every
    variant: `lynis=False` leaves it out."""
    audit = baseline.LynisAudit() if lynis else None
    return (
        Step("fresh host: open ports", baseline.prove_fresh_ports),
        *((Step("Lynis on the fresh host", audit.before),) if audit else ()),
        Step("the controller's tools", deploy_tools),
        Step("first deploy", prove_first_deploy, checks.AFTER_FIRST_DEPLOY),
        Step("(a) hardening on the host", prove_hardening),
        *baseline.AFTER_DEPLOY,
        *((Step("Lynis on the deployed host", audit.after),) if audit else ()),
        Step("(f) certificate from ACME", prove_acme),
        Step("node exporter, this host only", prove_node_exporter),
        Step(
            f"one address holds {HELD_CONNECTIONS} connections", prove_held_connections
        ),
        Step("(b) release, nothing else running", prove_quiet_release),
        Step("(b) release under load", prove_release, AFTER_EACH),
        Step("(c) rollback under load", prove_rollback, AFTER_EACH),
        Step("broken releases refused", prove_broken_releases_refused, AFTER_EACH),
        Step("backup, data lost, restored", prove_backup_and_restore, AFTER_EACH),
        Step("a failed backup is loud", prove_failed_backup_is_loud),
        Step("(d) reboot", prove_reboot, AFTER_EACH),
        *baseline.AFTER_REBOOT,
        Step("(e) second deploy, no change", prove_no_change, AFTER_EACH),
    )
