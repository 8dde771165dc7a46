"""Costs measured inside the project's own Python, with its production
settings and the stack's database: no network, no server, just Django. The
programs that measure are generator/programs/authentication_cost.py and
request_cpu.py."""

import json

from generator import programs


def _run_program(stack, name, **variables):
    env = {**stack.env, **{f"BENCH_{k.upper()}": v for k, v in variables.items()}}
    output = stack.run_logged(name, [stack.python, programs.path(name)], env=env)
    return json.loads(output.strip().splitlines()[-1])


def authentication_cost(stack):
    """Microseconds per authenticate(): user looked up, or stateless."""
    return _run_program(stack, "authentication_cost", token=stack.user.access)


def request_cpu_ms(stack, path):
    """Milliseconds of CPU per authenticated GET of path, in-process."""
    return _run_program(
        stack,
        "request_cpu",
        token=stack.user.access,
        path=path,
        host=stack.project.domain,
    )["cpu_ms"]
