"""How long a deploy takes, on the host proofs' one host: each timed deploy
writes its phases (generator/deploy_phases.py) to the figures, and a release
of changed code runs once with nothing else running, against the targets
of a 2-core host. The release under the request loop (deploys.py) follows it.
"""

import subprocess
import time

from generator.checking import check, poll
from generator.deploy_phases import phase_table
from generator.hosts.make import clean_environment
from generator.programs.release_probe import FIRST
from generator.proofs.deploys import answering_release, deploy_figures
from generator.runner import Found
from generator.stacks.contract import CanDeploy, needs

# Seconds, on one host with 2 cores: a release of a code change from `make
# deploy` to its last health check with nothing else running, the same under
# the request loop, a deploy with nothing new, a first deploy.
TARGETS = {
    "quiet_release_to_last_health_s": 30,
    "release_s": 60,
    "no_change_deploy_s": 10,
    "first_deploy_s": 60,
}
# A change of code that answers as the live release does, so the release
# under load (deploys.probe_release) and the rollback to this one read the
# same answers as before; kept in the copy, so the last no-change deploy
# builds this release again.
CODE_CHANGE = "\n# A change of code, deployed on its own (deploy_speed.py).\n"


@needs(CanDeploy)
def deploy_tools(stack):
    """The controller's tools (`make deploy-tools`), installed before the
    first deploy is timed, as a person has them before they deploy."""
    started = time.perf_counter()
    with (stack.logs / "00-make-deploy-tools.log").open("w") as log:
        subprocess.run(
            ["make", "deploy-tools"], cwd=stack.path, env=clean_environment(),
            stdout=log, stderr=subprocess.STDOUT, check=True,
        )  # fmt: skip
    seconds = round(time.perf_counter() - started, 1)
    return Found(f"make deploy-tools in {seconds}s", {"deploy_tools_s": seconds})


@needs(CanDeploy)
def prove_quiet_release(stack):
    """A release of changed code with nothing else running: from `make
    deploy` to the last health check, within its target."""
    health = stack.path / "config" / "health.py"
    health.write_text(health.read_text() + CODE_CHANGE)
    run = stack.deploy()
    figures = deploy_figures("quiet_release", run)
    check(run.changed > 0, "the release changed nothing on the host")
    poll(lambda: answering_release(stack) == FIRST, "the release to answer")
    seconds = figures["quiet_release_to_last_health_s"]
    target = TARGETS["quiet_release_to_last_health_s"]
    return Found(
        f"{seconds:.1f}s from make deploy to the last health check "
        f"(target {target}s), {run.seconds:.1f}s in all; {run.changed} changes",
        figures,
    )


def targets_met(figures):
    """Each target with its figure: (figure, seconds, target, met)."""
    return [
        (name, figures[name], target, figures[name] <= target)
        for name, target in TARGETS.items()
        if name in figures
    ]


def missed_targets(figures):
    """The names of the targets the figures miss (a list for the JSON)."""
    return [name for name, _, _, met in targets_met(figures) if not met]


def speed_report(figures):
    """The phase table and the targets, as verify-host prints them last."""
    lines = ["seconds per phase of each timed deploy:", phase_table(figures)]
    for name, seconds, target, met in targets_met(figures):
        verdict = "met" if met else "MISSED"
        lines.append(f"{verdict:<7}{name} {seconds}s, target {target}s")
    return "\n".join(lines)
