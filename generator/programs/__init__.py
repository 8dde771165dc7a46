"""Python programs the harness runs somewhere else than in its own process:
in a project's Gunicorn or Django, or with a test host's python3. Each is a
real module here, linted like the rest; source(name) is its text, for a
copy beside the project or on a host, or for `python -c`."""

import ast
from pathlib import Path

FOLDER = Path(__file__).parent


def path(name):
    """The module's file: `python path` runs it."""
    return FOLDER / f"{name}.py"


def source(name):
    return path(name).read_text()


def constant(name, variable):
    """A module-level constant of a program, read without importing it
    (a program's imports may need the project's Django)."""
    for node in ast.parse(source(name)).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == variable
            for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise KeyError(f"{path(name)} sets no {variable}")
