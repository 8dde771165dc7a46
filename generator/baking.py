"""Baking for the commands: a variant or the given answers into a folder,
and a generated project's folder as the commands that also take --variant
name it."""

import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import click

from generator import TEMPLATE_DIR
from generator.project import Project
from generator.tools import MissingTool, require
from generator.variants import get_variant


def bake(answers, output_dir, template=TEMPLATE_DIR):
    """Bake the template with these answers, asking nothing; return the
    project's path."""
    from cookiecutter.main import cookiecutter

    started = time.perf_counter()
    click.echo(f"baking {template} into {output_dir} ...")
    path = Path(
        cookiecutter(
            str(template),
            no_input=True,
            extra_context=answers,
            output_dir=str(output_dir),
        )
    )
    click.echo(f"baked {path} in {time.perf_counter() - started:.2f}s")
    return path


@contextmanager
def verifiable_bake(variant, output_dir):
    """Bake a variant with a throwaway deploy_root and free high ports, so
    verify can run its deploy files as rendered without touching /srv or
    ports 80 and 443. The deploy_root is removed afterwards."""
    deploy_root = Path(tempfile.mkdtemp(prefix=f"prodstack-{variant.name}-srv-"))
    deploy_root.chmod(0o755)  # Nginx's workers read static files below it
    try:
        yield bake(variant.answers_for_test_stack(deploy_root), output_dir)
    finally:
        shutil.rmtree(deploy_root, ignore_errors=True)


@contextmanager
def project_or_variant(project, variant_name):
    """The given project, or the variant baked into a temp folder for the
    duration (throwaway deploy_root, free ports)."""
    if bool(project) == bool(variant_name):
        raise click.UsageError("give either PROJECT or --variant NAME")
    if project:
        yield project
        return
    variant = variant_or_fail(variant_name)
    with (
        tempfile.TemporaryDirectory(prefix="prodstack-bake-") as output,
        verifiable_bake(variant, output) as baked,
    ):
        yield baked


def variant_or_fail(name):
    try:
        return get_variant(name)
    except KeyError as error:
        raise click.ClickException(error.args[0]) from None


# A generated project's folder, for the commands that also take --variant.
project_argument = click.argument(
    "project",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)


def require_tools(*groups):
    """Stop with one line when a system tool of the groups is missing."""
    try:
        require(*groups)
    except MissingTool as error:
        raise click.ClickException(str(error)) from None


def local_tools(project_path):
    """The tool groups a local stack of the project runs."""
    postgresql = Project.load(project_path).answers["database"] == "postgresql"
    return ("demo", "postgres") if postgresql else ("demo",)
