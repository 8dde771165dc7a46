"""The template's locked requirements: one resolution, split by option.

The template's pyproject.toml lists the production dependencies, some after
a marker line (`# only with api_docs`, in the post-gen hook's PRUNE keys).
`prodstack lock` resolves all of them together once, with hashes, then finds
which options need each locked package, and writes `requirements.lock` into
the template with the same markers; the hook drops what options that are off
need, and the markers. A baked project's lock is what `make lock` would write there:
the same uv, the same flags, and versions chosen once for every combination
of options.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from generator import TEMPLATE_DIR

PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
PYPROJECT = PROJECT_TEMPLATE / "pyproject.toml"
LOCK = PROJECT_TEMPLATE / "requirements.lock"
UV = Path(sys.executable).with_name("uv")
# The same flags as the generated Makefile's `make lock`.
COMPILE_FLAGS = (
    "--quiet",
    "--no-annotate",
    "--python-version=3.11",
    "--python-platform=x86_64-unknown-linux-gnu",
    "--custom-compile-command=make lock",
)
REQUIREMENT = re.compile(r'^\s*"([^"]+)",?\s*(?:#.*)?$')
# The hook's own marker (hooks/post_gen_project.py, MARKER).
MARKER = "# only with "
LOCKED_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


class LockError(Exception):
    pass


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def template_requirements(text=None):
    """[(requirement, the options of its marker or None)] from the [project]
    dependencies."""
    text = PYPROJECT.read_text() if text is None else text
    block = re.search(r"^dependencies = \[\n(.*?)^\]", text, re.M | re.S)
    if not block:
        raise LockError(f"{PYPROJECT} has no `dependencies = [` list")
    found, condition = [], None
    for line in block.group(1).splitlines():
        stripped = line.strip()
        if stripped.startswith(MARKER):
            condition = stripped.removeprefix(MARKER)
        elif match := REQUIREMENT.match(line):
            found.append((match.group(1), condition))
            condition = None
    return found


def pins(requirements):
    """{normalised name: version} of `name==version` requirements."""
    pinned = {}
    for requirement, _ in requirements:
        name, separator, version = requirement.partition("==")
        if not separator:
            raise LockError(f"{requirement!r} in {PYPROJECT} is not pinned with ==")
        pinned[normalise(name.split("[")[0])] = version
    return pinned


def compile_requirements(requirements, *extra):
    """uv pip compile's output for these requirement lines."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "requirements.in"
        source.write_text("".join(f"{line}\n" for line in requirements))
        output = Path(scratch) / "requirements.txt"
        result = subprocess.run(
            [UV, "pip", "compile", *COMPILE_FLAGS, *extra, source, "-o", output],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LockError(f"uv pip compile failed: {result.stderr.strip()}")
        return output.read_text()


def entries(lock_text):
    """(header lines, [(normalised name, entry text)]) of a uv lock."""
    header, found = [], []
    for line in lock_text.splitlines(keepends=True):
        if line.startswith("#") and not found:
            header.append(line)
        elif line[:1].isspace() and found:
            name, text = found[-1]
            found[-1] = (name, text + line)
        elif line.strip():
            found.append((normalise(re.split(r"[=\s;\[]", line, maxsplit=1)[0]), line))
    return header, found


def names(lock_text):
    return {name for name, _ in entries(lock_text)[1]}


def conditions_by_package(requirements, union_text):
    """{package: None (always) or the Jinja condition that needs it}."""
    with tempfile.TemporaryDirectory() as scratch:
        constraints = Path(scratch) / "constraints.txt"
        constraints.write_text(union_text)
        base = [r for r, condition in requirements if condition is None]
        always = names(compile_requirements(base, f"--constraint={constraints}"))
        needed_by = {}
        options = dict.fromkeys(c for _, c in requirements if c is not None)
        for option in options:
            wanted = base + [r for r, c in requirements if c == option]
            compiled = compile_requirements(wanted, f"--constraint={constraints}")
            for name in names(compiled) - always:
                needed_by.setdefault(name, []).append(option)
    conditions = {}
    for name in names(union_text):
        if name in always:
            conditions[name] = None
        elif name in needed_by:
            conditions[name] = " or ".join(needed_by[name])
        else:
            raise LockError(f"{name} is locked but no single option needs it")
    return conditions


def template_lock():
    """The text of the template's requirements.lock, freshly resolved."""
    requirements = template_requirements()
    pins(requirements)  # every requirement must be pinned
    union = compile_requirements([r for r, _ in requirements], "--generate-hashes")
    conditions = conditions_by_package(requirements, union)
    header, locked = entries(union)
    lines = list(header)
    for name, text in locked:
        if conditions[name] is not None:
            lines.append(f"{MARKER}{conditions[name]}\n")
        lines.append(text)
    return "".join(lines)


def locked_pins(lock_text):
    """{normalised name: (version, its marker's options or None)} of the
    template lock."""
    found, condition = {}, None
    for line in lock_text.splitlines():
        if line.startswith(MARKER):
            condition = line.removeprefix(MARKER)
        elif match := LOCKED_PIN.match(line):
            found[normalise(match.group(1))] = (match.group(2), condition)
            condition = None
    return found
