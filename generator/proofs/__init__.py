"""The proofs on real hosts: actions that change hosts on purpose, each
followed by the checks (generator/checks/), with their figures. host.py
is the one-host sequence (with baseline.py, backups.py, broken_releases.py
and deploys.py), runbook.py the runbook followed by hand, cluster.py the
load balancer and two app hosts (with app_hosts.py, cluster_bench.py). The
hosts themselves are generator/stacks/ and generator/hosts/.
"""

import time

from generator.runner import run_steps


class _Failed(Exception):
    pass


def prove_on(stack_context, project, steps, out=print, after=None):
    """The steps on a fresh stack (stack_context: host_stack or
    cluster_stack), then after(stack)'s figures where given; the Report,
    with the whole run's seconds as total_s. The stack's logs are kept and
    named when a step failed."""
    started = time.perf_counter()
    try:
        with stack_context(project, out) as stack:
            report = run_steps(stack, steps, out)
            if not report.passed:
                # Leave through the teardown's failure path: it keeps the logs.
                raise _Failed
            if after:
                report.figures.update(after(stack))
    except _Failed:
        return report
    report.figures["total_s"] = round(time.perf_counter() - started, 1)
    return report
