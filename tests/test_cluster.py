"""The multi-host proof: the postgresql variant deployed by its own `make
deploy` to a load balancer (with the database) and two app hosts, fresh
Debian 12 hosts on one bridge; rolled forward and back under load, an app
host killed under load and booted again."""

import json
import re

from generator import checks
from generator.checks import http
from generator.proofs.cluster import SEQUENCE, login_limit

from .helpers import BIN, FIGURES, TEMPLATE, VARIANTS, label_of, run

PROOFS = tuple(step.label for step in SEQUENCE)
JWT_FLOW = label_of(checks.HTTP, http.jwt_flow)
RATE_LIMIT = label_of(checks.HTTP, http.rate_limit)
# After the first deploy and after each action but the loss of app1.
CHECKS_RUN = sum(1 for step in SEQUENCE if step.then)
SETTINGS = TEMPLATE / "{{cookiecutter.project_slug}}" / "config/settings/base.py"


def test_verify_cluster_proves_postgresql_on_three_hosts(tmp_path, host_project):
    figures_file = tmp_path / "figures.json"
    project = host_project(VARIANTS["postgresql"])
    result = run(
        [BIN / "prodstack", "verify-cluster", project, "--figures", figures_file]
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for proof in PROOFS:
        assert f"PASS  {proof} " in result.stdout, f"{proof} did not pass:\n{output}"
    assert "FAIL" not in result.stdout
    # verify's own HTTP checks, through the load balancer.
    assert result.stdout.count(f"PASS    {JWT_FLOW} ") == CHECKS_RUN, output
    assert f"PASS    {RATE_LIMIT} " in result.stdout
    # Each check ran through the load balancer, or the run named it as one
    # the cluster has not the handles for.
    (left_out,) = re.findall(r"^not for this stack: (.*)$", result.stdout, re.M)
    for step in checks.HTTP:
        ran = f"PASS    {step.label} " in result.stdout
        assert ran != (f"{step.label} (needs " in left_out), step.label
    figures = json.loads(figures_file.read_text())
    for switch in ("release", "rollback"):
        assert figures[f"{switch}_failed"] == 0
        assert figures[f"{switch}_requests"] > 0
    assert figures["shared_key_files"] > 0
    assert figures["throttle_refused_at"] == login_limit(SETTINGS.read_text())
    assert figures["lost_get_failed"] == 0 and figures["lost_gets"] > 0
    assert figures["lost_posts_created"] > 0
    assert figures["back_to_serving_s"] > 0
    FIGURES["cluster postgresql"] = figures
