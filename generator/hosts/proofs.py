"""What `prodstack verify-host` proves on a fresh Debian 12 host, in order,
with one host serving the whole sequence. Actions (deploy, release,
rollback, reboot) change the host on purpose; after each, verify's HTTP
checks (generator/checks/http.py) run again, unchanged. Each proof and check
prints PASS or FAIL with its figure.
"""

import re
import socket
import subprocess
import time
from functools import partial

from generator import checks
from generator.checks import http
from generator.hosts import baseline
from generator.hosts.backups import (
    prove_backup_and_restore,
    prove_failed_backup_is_loud,
)
from generator.hosts.broken_releases import prove_broken_releases_refused
from generator.hosts.clients import served_certificate
from generator.hosts.deploy_speed import deploy_tools, prove_quiet_release, timed
from generator.hosts.load import (
    RELEASE_HEADER,
    RequestLoop,
    answering_release,
    check,
    check_no_failures,
    poll,
)

MAX_EXPOSURE = 2.0
EXPOSURE = re.compile(r"Overall exposure level for \S+: ([\d.]+) (\w+)")
# Appended to the health view of the copy the release is built from, so the
# code that answers can be told apart from the outside; the view keeps what
# its decorators set (csrf_exempt, say).
RELEASE_PROBE = f'''

_health_before_release = health


@__import__("functools").wraps(_health_before_release)
def health(request):
    response = _health_before_release(request)
    response["{RELEASE_HEADER}"] = "second"
    return response
'''


def _patch_release(stack, on):
    health = stack.path / "config" / "health.py"
    text = health.read_text()
    if on:
        health.write_text(text + RELEASE_PROBE)
    else:
        health.write_text(text.replace(RELEASE_PROBE, ""))


# The proofs -------------------------------------------------------------


def prove_first_deploy(stack, figures):
    deploy_tools(stack, figures)
    run = timed("first_deploy", stack.deploy(), figures)
    # Nginx's last reload (to the ACME certificate) is asynchronous.
    poll(lambda: stack.https.get("/api/health/").status == 200, "HTTPS to answer")
    return f"{run.seconds:.1f}s, {run.changed} changes; " + stack.sign_in()


def prove_hardening(stack, figures):
    """(a) the live unit's exposure, and a worker's uid, NoNewPrivs, seccomp."""
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
    figures["exposure"] = exposure
    return (
        f"exposure {exposure} {match.group(2)}; worker {min(workers)}: uid {uid} "
        f"({stack.slug}), NoNewPrivs 1, Seccomp 2; " + _ip_access_lists(stack)
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


NODE_EXPORTER_PORT = 9100


def prove_node_exporter(stack, figures):
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
        raise AssertionError(f"the node exporter answers on {stack.address}")
    return (
        f"{len(samples)} node_ samples on 127.0.0.1:{NODE_EXPORTER_PORT}; "
        f"{stack.address}:{NODE_EXPORTER_PORT} from outside: {outside}"
    )


def switch_figures(figures, name, run, loop):
    """Record a switch's figures as name_s, name_longest_ms, ...; describe it."""
    figures.update({
        f"{name}_s": round(run.seconds, 1),
        f"{name}_longest_ms": round(loop.longest * 1000),
        f"{name}_requests": loop.sent,
        f"{name}_failed": loop.failures,
    })  # fmt: skip
    return (
        f"{run.seconds:.1f}s; {loop.sent} requests, {loop.failures} failed, "
        f"longest {loop.longest * 1000:.0f} ms"
    )


def prove_release(stack, figures):
    """(b) changed code goes live through make deploy, 0 failed requests."""
    _patch_release(stack, on=True)
    with RequestLoop(stack.https, threads=stack.loop_threads) as loop:
        run = timed("release", stack.deploy(), figures)
        poll(lambda: answering_release(stack) == "second", "the new release to answer")
        poll(lambda: loop.releases["second"] >= 20, "answers from the new release")
    check_no_failures(loop)
    check(run.changed > 0, "the release changed nothing on the host")
    answered = f"; new code answered {loop.releases['second']}x"
    return switch_figures(figures, "release", run, loop) + answered


def prove_rollback(stack, figures):
    """(c) make rollback serves the previous code, 0 failed requests."""
    _patch_release(stack, on=False)
    with RequestLoop(stack.https, threads=stack.loop_threads) as loop:
        run = stack.rollback()
        poll(lambda: answering_release(stack) == "first", "the old release to answer")
        before = loop.releases["first"]
        poll(lambda: loop.releases["first"] >= before + 20, "answers after rollback")
    check_no_failures(loop)
    return switch_figures(figures, "rollback", run, loop)


def prove_reboot(stack, figures):
    """(d) after a reboot the API answers with nobody touching it."""
    started = time.perf_counter()
    stack.reboot()
    poll(lambda: answering_release(stack), "an answer after reboot")
    seconds = time.perf_counter() - started
    figures["reboot_to_answer_s"] = round(seconds, 1)
    return f"answering {seconds:.1f}s after `systemctl reboot`"


def prove_no_change(stack, figures):
    """(e) a second deploy of the same code changes nothing, --check --diff too."""
    run = timed("no_change_deploy", stack.deploy(), figures)
    check(run.changed == 0, f"a deploy with nothing new made {run.changed} changes")
    dry = stack.deploy("ANSIBLE_ARGS=--check --diff")
    check(dry.changed == 0, f"--check --diff reported {dry.changed} changes")
    check("--- before" not in dry.output, "--check --diff printed a diff")
    return f"changed=0 in {run.seconds:.1f}s; --check --diff: changed=0, no diff"


def _certificate(stack):
    der = served_certificate(stack.address, stack.domain, stack.https_port)
    pem = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-noout", "-issuer", "-serial"],
        input=der,
        capture_output=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in pem.stdout.decode().strip().splitlines())


def prove_acme(stack, figures):
    """(f) certbot's certificate from pebble, through the site's ACME path;
    a forced renewal is served after certbot's deploy hook reloads Nginx."""
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
    figures["renewal_s"] = round(seconds, 1)
    return (
        f"{first['issuer'].strip()}: serial {first['serial'][:12]}... renewed to "
        f"{renewed['serial'][:12]}... and served in {seconds:.1f}s"
    )


# verify's HTTP checks, as its list has them. The ones that leave the stack
# as they found it run after every action. The rate limit spends this
# machine's sign-in budget (Nginx's, and the app's own per minute), and the
# HUP reload proves Gunicorn rather than a deploy: those run once, right
# after the first deploy, while the budget is fresh; the release takes long
# enough for the budget to come back before the next sign-in.
SPENDING = (http.rate_limit, http.reload)
AFTER_EACH_ACTION = tuple(entry for entry in checks.HTTP if entry[1] not in SPENDING)
ONCE = tuple(entry for entry in checks.HTTP if entry[1] in SPENDING)


def _no_checks(proofs):
    return tuple((label, proof, ()) for label, proof in proofs)


def sequence(lynis=True):
    """(label, proof, the checks to run after it), in order. Lynis (about
    30 s a run, twice) audits the host, which is the same for every variant:
    `lynis=False` leaves it out."""
    return (
        *_no_checks(baseline.BEFORE_DEPLOY + (baseline.LYNIS_BEFORE if lynis else ())),
        ("first deploy", prove_first_deploy, AFTER_EACH_ACTION + ONCE),
        ("(a) hardening on the host", prove_hardening, ()),
        *_no_checks(baseline.AFTER_DEPLOY + (baseline.LYNIS_AFTER if lynis else ())),
        ("(f) certificate from ACME", prove_acme, ()),
        ("node exporter, this host only", prove_node_exporter, ()),
        ("(b) release, nothing else running", prove_quiet_release, ()),
        ("(b) release under load", prove_release, AFTER_EACH_ACTION),
        ("(c) rollback under load", prove_rollback, AFTER_EACH_ACTION),
        ("broken releases refused", prove_broken_releases_refused, AFTER_EACH_ACTION),
        ("backup, data lost, restored", prove_backup_and_restore, AFTER_EACH_ACTION),
        ("a failed backup is loud", prove_failed_backup_is_loud, ()),
        ("(d) reboot", prove_reboot, AFTER_EACH_ACTION),
        *_no_checks(baseline.AFTER_REBOOT),
        ("(e) second deploy, no change", prove_no_change, AFTER_EACH_ACTION),
    )


SEQUENCE = sequence()


def _step(label, step, out):
    started = time.perf_counter()
    try:
        detail = step()
    except Exception as failure:
        out(f"FAIL  {label:<36} {time.perf_counter() - started:6.1f}s  {failure}")
        return False
    out(f"PASS  {label:<36} {time.perf_counter() - started:6.1f}s  {detail}")
    return True


def run_sequence(stack, sequence, out=print):
    """Each (label, proof, checks after it) in order; stops at the first
    failure. Returns the figures, or None when something failed."""
    figures = {}
    for label, proof, after in sequence:
        if not _step(label, partial(proof, stack, figures), out):
            return None
        if after:
            stack.new_client_address()
        for check_label, check_function in after:
            if not _step(f"  {check_label}", partial(check_function, stack), out):
                return None
    return figures


def run_proofs(stack, out=print, lynis=True):
    """Every proof, verify's HTTP checks after each action."""
    return run_sequence(stack, sequence(lynis), out)
