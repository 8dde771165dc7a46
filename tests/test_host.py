"""The real-host proof: every variant deployed to a fresh Debian 12 host
(systemd-nspawn, systemd as PID 1, a network namespace of its own) by its
own `make deploy`, then released, rolled back, rebooted and deployed again
with nothing new, under concurrent request loops. And the harness leaves
nothing behind, also when a run fails."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import checks
from generator.checks import http
from generator.deploy_phases import PHASES, RUNS
from generator.hosts.network import leftovers
from generator.proofs import baseline, runbook
from generator.proofs.host import MAX_EXPOSURE, sequence
from generator.stacks.host import host_stack

from .helpers import (
    BIN,
    FIGURES,
    TEMPLATE,
    VARIANT_PARAMS,
    VARIANTS,
    label_of,
    run,
)

PROOFS = tuple(step.label for step in sequence(lynis=False))
# The host's baseline is the same for every variant: Lynis audits it once.
LYNIS = tuple(step.label for step in sequence(lynis=True) if step.label not in PROOFS)
LYNIS_VARIANT = "default"
JWT_FLOW = label_of(checks.HTTP, http.jwt_flow)
RATE_LIMIT = label_of(checks.HTTP, http.rate_limit)
# The actions verify's checks run after: the first deploy and each after it.
ACTIONS = sum(
    1 for step in sequence(lynis=False) if JWT_FLOW in [c.label for c in step.then]
)


@pytest.mark.parametrize("variant", VARIANT_PARAMS)
def test_verify_host_proves_the_variant_on_a_fresh_host(
    variant, tmp_path, host_project
):
    figures_file = tmp_path / "figures.json"
    result = run(
        [
            BIN / "prodstack",
            "verify-host",
            host_project(variant),
            "--figures",
            figures_file,
            "--lynis" if variant.name == LYNIS_VARIANT else "--no-lynis",
        ]
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lynis = LYNIS if variant.name == LYNIS_VARIANT else ()
    for proof in PROOFS + lynis:
        assert f"PASS  {proof} " in result.stdout, f"{proof} did not pass:\n{output}"
    assert "FAIL" not in result.stdout
    # verify's own HTTP checks, after the deploy and after each action.
    assert result.stdout.count(f"PASS    {JWT_FLOW} ") == ACTIONS, output
    assert f"PASS    {RATE_LIMIT} " in result.stdout
    figures = json.loads(figures_file.read_text())
    assert figures["release_failed"] == 0 and figures["rollback_failed"] == 0
    assert figures["release_requests"] > 0 and figures["rollback_requests"] > 0
    assert figures["exposure"] <= MAX_EXPOSURE
    assert figures["backup_bytes"] > 0 and figures["restore_s"] > 0
    # Fresh, only SSH answers; deployed, from an address SSH is not allowed
    # from, only the site's ports.
    assert figures["open_ports_before"] == [baseline.SSH_PORT]
    answers = variant.answers
    web = sorted({int(answers["http_port"]), int(answers["https_port"])})
    assert figures["open_ports_after"] == web
    if lynis:
        assert figures["lynis_after"] > figures["lynis_before"]
    # Each timed deploy's phases account for its seconds, from `make deploy`
    # to its last line (rounding aside).
    for name in RUNS:
        phases = sum(figures[f"{name}_phase_{phase}_s"] for phase in PHASES)
        assert abs(phases - figures[f"{name}_s"]) < 1.5, (name, phases)
        assert figures[f"{name}_to_last_health_s"] <= figures[f"{name}_s"]
    FIGURES[variant.name] = figures


def test_a_failed_host_run_leaves_nothing_behind(cookies):
    answers = VARIANTS["minimal"].answers
    baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
    assert baked.exit_code == 0, baked.exception
    seen, said = {}, []
    with (
        pytest.raises(RuntimeError, match="on purpose"),
        host_stack(baked.project_path, out=said.append) as stack,
    ):
        seen.update(
            run_id=stack.run_id,
            work=stack.work,
            nspawn=stack.machine.nspawn.pid,
            state=stack.run("systemctl", "is-system-running").stdout.strip(),
            leader=stack.machine.leader(),
        )
        # Lost abruptly: SIGKILL to its PID 1 ends the container at once.
        seen["killed"] = stack.kill()
        seen["leader_after_kill"] = Path(f"/proc/{seen['leader']}").exists()
        raise RuntimeError("on purpose")
    assert seen["state"] == "running"
    assert seen["killed"] != 0 and not seen["leader_after_kill"]
    assert leftovers(seen["run_id"]) == []
    assert not Path(seen["work"]).exists()
    assert not Path(f"/proc/{seen['nspawn']}").exists()
    processes = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    assert str(seen["work"]) not in processes
    # The logs of a failed run are kept, and named.
    (logs,) = [line.split(": ", 1)[1] for line in said if line.startswith("logs of")]
    assert (Path(logs) / "host.log").is_file()
    shutil.rmtree(logs)


@pytest.mark.parametrize(
    "variant",
    # Between them, every block of the runbook: SQLite and PostgreSQL,
    # HS256 and RS256.
    [p for p in VARIANT_PARAMS if p.values[0].name in ("default", "postgresql")],
)
def test_the_runbook_followed_by_hand_gives_a_working_stack(variant, host_project):
    result = run([BIN / "prodstack", "verify-host", host_project(variant), "--by-hand"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for step in runbook.SEQUENCE:
        assert f"PASS  {step.label} " in result.stdout, output
    assert f"PASS    {JWT_FLOW} " in result.stdout, output
    assert "FAIL" not in result.stdout
