"""The deploys every stack of hosts proves, one host or a cluster: the first
deploy, a release of changed code and a rollback under a request loop with
zero failed requests, a reboot, and a second deploy that changes nothing.

A release is told apart from the outside by the health view's answers: the
copy of the project a release is built from gets programs/release_probe.py,
which adds a header to them; the rollback takes it away again.
"""

import time
from collections import Counter

from generator import programs
from generator.checking import check, poll
from generator.deploy_phases import phase_figures
from generator.hosts.make import RECAP
from generator.loops import LONG, RequestLoop
from generator.programs.release_probe import FIRST, HEADER, SECOND
from generator.runner import Found
from generator.stacks.contract import CanDeploy, CanReboot, IsCluster, needs

PROBE = "release_probe"
# Appended to config/health.py of the copy: the view, probed.
PROBED_VIEW = f"\n\nfrom config.{PROBE} import probed\n\nhealth = probed(health)\n"


class ReleaseLoop(RequestLoop):
    """GETs of the health view, counting which release answered."""

    def __init__(self, client, threads):
        super().__init__(client, threads=threads, limit=LONG)
        self.releases = Counter()

    def answered(self, number, outcome, response):
        if outcome == self.ok_status:
            self.releases[response.headers.get(HEADER, FIRST)] += 1


def answering_release(stack):
    """Which release answers the health view now (None: no answer)."""
    response = stack.https.get("/api/health/")
    return response.status == 200 and response.headers.get(HEADER, FIRST)


def probe_release(stack, on):
    """The copy's health view with the probe (on) or as baked."""
    health = stack.path / "config" / "health.py"
    module = stack.path / "config" / f"{PROBE}.py"
    text = health.read_text()
    if on:
        module.write_text(programs.source(PROBE))
        health.write_text(text + PROBED_VIEW)
    else:
        module.unlink()
        health.write_text(text.replace(PROBED_VIEW, ""))


def deploy_figures(name, run):
    """A timed run of the playbook (make deploy, rollback): name_s, and its
    phases as name_phase_PHASE_s (generator/deploy_phases.py)."""
    return {f"{name}_s": round(run.seconds, 1), **phase_figures(name, run)}


def switch_figures(name, run, loop):
    """A switch's figures: the run's, and name_longest_ms, ... of the loop."""
    return {
        **deploy_figures(name, run),
        f"{name}_longest_ms": round(loop.longest * 1000),
        f"{name}_requests": loop.sent,
        f"{name}_failed": loop.failures,
    }


def describe_switch(run, loop):
    return (
        f"{run.seconds:.1f}s; {loop.sent} requests, {loop.failures} failed, "
        f"longest {loop.longest * 1000:.0f} ms"
    )


@needs(CanDeploy)
def prove_first_deploy(stack):
    run = stack.deploy()
    # Nginx's last reload (to the ACME certificate) is asynchronous.
    poll(lambda: stack.https.get("/api/health/").status == 200, "HTTPS to answer")
    return Found(
        f"{run.seconds:.1f}s, {run.changed} changes; " + stack.sign_in(),
        deploy_figures("first_deploy", run),
    )


def switch_under_load(stack, action, to):
    """action() (a deploy, a rollback) under a request loop, until release
    `to` answers, and answers on; 0 failed requests. The playbook's run
    and the loop."""
    with ReleaseLoop(stack.https, stack.loop_threads) as loop:
        run = action()
        poll(lambda: answering_release(stack) == to, f"release {to!r} to answer")
        loop.wait_for_more(f"answers from release {to!r}", lambda: loop.releases[to])
    loop.check_none_failed()
    return run, loop


@needs(CanDeploy)
def prove_release(stack):
    """Changed code goes live through make deploy, 0 failed requests."""
    probe_release(stack, on=True)
    run, loop = switch_under_load(stack, stack.deploy, SECOND)
    check(run.changed > 0, "the release changed nothing on the host")
    answered = f"; new code answered {loop.releases[SECOND]}x"
    return Found(
        describe_switch(run, loop) + answered, switch_figures("release", run, loop)
    )


@needs(CanDeploy)
def prove_rollback(stack):
    """make rollback serves the previous code, 0 failed requests."""
    probe_release(stack, on=False)
    run, loop = switch_under_load(stack, stack.rollback, FIRST)
    return Found(describe_switch(run, loop), switch_figures("rollback", run, loop))


@needs(CanReboot)
def prove_reboot(stack):
    """After a reboot the API answers with nobody touching it."""
    started = time.perf_counter()
    stack.reboot()
    poll(lambda: answering_release(stack), "an answer after reboot")
    seconds = time.perf_counter() - started
    return Found(
        f"answering {seconds:.1f}s after `systemctl reboot`",
        {"reboot_to_answer_s": round(seconds, 1)},
    )


@needs(CanDeploy)
def prove_no_change(stack):
    """A second deploy of the same code changes nothing, --check --diff too."""
    run = stack.deploy()
    check(run.changed == 0, f"a deploy with nothing new made {run.changed} changes")
    dry = stack.deploy("ANSIBLE_ARGS=--check --diff")
    check(dry.changed == 0, f"--check --diff reported {dry.changed} changes")
    check("--- before" not in dry.output, "--check --diff printed a diff")
    return Found(
        f"changed=0 in {run.seconds:.1f}s; --check --diff: changed=0, no diff",
        deploy_figures("no_change_deploy", run),
    )


@needs(CanDeploy, IsCluster)
def prove_no_change_on_each_host(stack):
    """A second deploy changes nothing on any host."""
    run = stack.deploy()
    per_host = {row[0]: int(row[2]) for row in RECAP.findall(run.output)}
    check(set(per_host) == set(stack.hosts), f"recap names {sorted(per_host)}")
    check(not any(per_host.values()), f"changes on a second deploy: {per_host}")
    return Found(
        f"changed=0 on {', '.join(sorted(per_host))} in {run.seconds:.1f}s",
        deploy_figures("no_change_deploy", run),
    )
