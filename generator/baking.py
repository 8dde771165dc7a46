"""Baking for the commands: a variant or the given answers into a folder,
the template from a folder or a git URL, and a generated project's folder as
the commands that also take --variant name it."""

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import click

from generator import TEMPLATE_DIR
from generator.answers import AnswersError
from generator.project import Project
from generator.tools import MissingTool, require
from generator.variants import get_variant


def bake(answers, output_dir, template=TEMPLATE_DIR):
    """Bake the template with these answers, asking nothing; return the
    project's path."""
    from cookiecutter.main import cookiecutter

    started = time.perf_counter()
    click.echo(f"baking {template} into {output_dir} ...")
    # The commands that make a project for a person print its next steps
    # after their own lines; the others bake only to run it themselves.
    os.environ["PRODSTACK_NO_NEXT_STEPS"] = "1"
    try:
        path = Path(
            cookiecutter(
                str(template),
                no_input=True,
                extra_context=answers,
                output_dir=str(output_dir),
            )
        )
    finally:
        del os.environ["PRODSTACK_NO_NEXT_STEPS"]
    click.echo(f"baked {path} in {time.perf_counter() - started:.2f}s")
    return path


def bake_new(answers, output_dir, template):
    """Bake, or leave nothing behind and say why; return the project."""
    from cookiecutter.exceptions import CookiecutterException, OutputDirExistsException

    created_output_dir = not output_dir.exists()
    # cookiecutter logs a traceback when a hook fails; the hook's own message
    # on stderr is what a person needs.
    logging.getLogger("cookiecutter").setLevel(logging.CRITICAL)
    try:
        return bake(answers, output_dir, template=template)
    except CookiecutterException as error:
        if created_output_dir and output_dir.is_dir() and not any(output_dir.iterdir()):
            output_dir.rmdir()
        if isinstance(error, OutputDirExistsException):
            # cookiecutter says: Error: "out/my_api" directory already exists
            where = str(error).split('"')[1]
            raise click.ClickException(
                f"{where} already exists: move it away, or choose another "
                "--output-dir or project_slug"
            ) from None
        raise click.ClickException(str(error).splitlines()[0]) from None


@contextmanager
def template_folder(template):
    """A local folder holding the template, cloning a git URL if need be."""
    if Path(template).is_dir():
        yield Path(template)
        return
    from cookiecutter.repository import determine_repo_dir

    with tempfile.TemporaryDirectory(prefix="prodstack-template-") as clones:
        try:
            repo_dir, _ = determine_repo_dir(
                template, {}, clones, checkout=None, no_input=True
            )
        except Exception as error:  # cookiecutter raises several kinds
            reason = str(error) or "not a folder, and not a git URL cookiecutter knows"
            raise AnswersError(
                f"cannot fetch template {template}: {reason} (for a local git "
                "repository use git+file:///path)"
            ) from None
        yield Path(repo_dir)


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
