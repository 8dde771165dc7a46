"""What the template's tests share: paths, the variant matrix, small runners."""

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.variants import Variant, load_variants

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VARIANTS = load_variants()
VARIANT_PARAMS = [pytest.param(v, id=v.test_id) for v in VARIANTS.values()]

# What proofs measured ({run: {figure: value}}), printed at the end of the run.
FIGURES = {}


@dataclass(frozen=True)
class Baked:
    variant: Variant
    path: Path
    answers: dict  # the variant's, with this bake's deploy_root and ports

    def text_files(self):
        for path in sorted(self.path.rglob("*")):
            if path.is_file() and path.suffix != ".pem":
                yield path, path.read_text()


def label_of(steps, function):
    """The label under which steps run function: tests read labels from the
    code's own lists, never from copies."""
    (label,) = [step.label for step in steps if step.action is function]
    return label


def load_module(path):
    """Import a Python file by its path, e.g. a hook as it stands in the
    template, unrendered, or a module of a baked project."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_hook(name):
    return load_module(TEMPLATE / "hooks" / f"{name}.py")


def read_env(project):
    """A project's .env, read by the project's own parser."""
    env_file = load_module(Path(project) / "config" / "env_file.py")
    return dict(env_file.parse((Path(project) / ".env").read_text()))


def run(command, **kwargs):
    """Run a command, capturing its output as text; never raise on failure."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


TEMPLATE_PARTS = (
    "cookiecutter.json",
    "hooks",
    "templates",
    "{{cookiecutter.project_slug}}",
)


def git(*args, cwd):
    return subprocess.run(
        ["git", "-c", "user.name=prodstack", "-c", "user.email=ci@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )


def template_repo(path):
    """A git repository holding the template as it stands in this working tree."""
    path.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = TEMPLATE / part
        if source.is_dir():
            shutil.copytree(
                source, path / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, path / part)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "template", cwd=path)
    return path
