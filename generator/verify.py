"""Prove one generated project end to end, with its deploy files as rendered.

The local stack (generator/stacks/local.py) lays the project out the way its
runbook does on a server and installs it; the audits (generator/checks/
audits.py) run on the installed project and its rendered files; then the
stack boots (Gunicorn through the socket, Nginx in front, a signed-in user)
and the HTTP checks and the faults run through its Nginx. The first failure
stops the run and names the log to read; everything started is stopped
either way.
"""

import time

from generator.checks import AUDITS, FAULTS, HTTP
from generator.project import Project
from generator.runner import Report, Step, handle_termination, run_steps
from generator.stacks import local
from generator.stacks.local import LOOPBACK, LocalStack

SHUTDOWN = Step("shutdown", LocalStack.shut_down)


def plan(serve=False):
    """Every step of a run, in order."""
    steps = [*local.PREPARE, *AUDITS, *local.BOOT, *HTTP]
    if not serve:
        steps += [*FAULTS, SHUTDOWN]
    return steps


def verify(project_path, serve=False, out=print, listen=LOOPBACK):
    """Run every step on the project; with serve, keep the stack up for a
    person until Ctrl-C, its Nginx listening on `listen`. Returns the
    Report."""
    handle_termination()
    stack = LocalStack(Project.load(project_path), listen=listen)
    report = Report()
    started = time.perf_counter()
    try:
        run_steps(stack, plan(serve), out, report)
        if report.passed:
            seconds = time.perf_counter() - started
            out(f"verified {stack.project.path} in {seconds:.1f}s")
            if serve:
                serve_until_interrupted(stack, out)
                run_steps(stack, [SHUTDOWN], out, report)
        else:
            out(f"logs of every step: {stack.logs}")
    finally:
        stack.clean_up(keep_logs=not report.passed)
    return report


def serve_until_interrupted(stack, out):
    project = stack.project
    resolve = f"--resolve {project.domain}:{project.https_port}:127.0.0.1"
    out(
        f"\nServing {project.slug} through Nginx at {project.site_url}/ "
        f"on {stack.listen}:"
    )
    for path in ("/api/health/", "/api/docs/", "/admin/"):
        out(f"  curl --cacert {stack.certificate} {resolve} {project.site_url}{path}")
    out("Ctrl-C stops it.")
    try:
        stack.processes.running["nginx"].wait()
    except KeyboardInterrupt:
        out("")
