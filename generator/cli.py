"""The prodstack command line."""

import json
import time
from pathlib import Path

import click

from generator import TEMPLATE_DIR
from generator.variants import Variant, get_variant, load_variants


def bake(variant, output_dir, template=TEMPLATE_DIR):
    """Bake one variant without prompts; return the project's path."""
    from cookiecutter.main import cookiecutter

    path = cookiecutter(
        str(template),
        no_input=True,
        extra_context=variant.answers,
        output_dir=str(output_dir),
    )
    return Path(path)


@click.group()
def main():
    """Bake, list and prove the variants of the prodstack template."""


@main.command("variants")
@click.option("--json", "as_json", is_flag=True, help="Print a CI matrix as JSON.")
def variants_command(as_json):
    """List the supported variants.

    \b
    Example:
      prodstack variants
      prodstack variants --json   # {"include": [{"variant": "default", ...}]}
    """
    variants = load_variants().values()
    if as_json:
        matrix = {
            "include": [
                {"variant": v.name, "database": v.answers["database"]} for v in variants
            ]
        }
        click.echo(json.dumps(matrix))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("variant", "database", "jwt", "docs", "sign-up", "example", "about")
    for v in variants:
        a = v.answers
        table.add_row(
            v.name,
            a["database"],
            a["jwt_algorithm"],
            *(
                "yes" if a[key] else "no"
                for key in ("api_docs", "allow_registration", "example_api")
            ),
            v.description,
        )
    Console().print(table)


@main.command("bake")
@click.argument("name")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to create the project in.",
)
def bake_command(name, output_dir):
    """Bake the variant NAME into OUTPUT_DIR.

    \b
    Example:
      prodstack bake default -o /tmp/projects
    """
    try:
        variant = get_variant(name)
    except KeyError as error:
        raise click.ClickException(error.args[0]) from None
    started = time.perf_counter()
    path = bake(variant, output_dir)
    click.echo(
        f"baked {variant.name} into {path} in {time.perf_counter() - started:.2f}s"
    )


@main.command("demo")
@click.option(
    "--dir",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo project; a previous demo there is replaced.",
)
def demo_command(demo_dir):
    """Bake the default variant, verify it, and serve it through Nginx until Ctrl-C.

    The bake keeps the default answers but for deploy_root (a temporary folder)
    and the ports (free high ones), so nothing lands in /srv or on port 443.

    \b
    Example:
      prodstack demo --dir demo
    """
    import shutil
    import tempfile

    from generator.loopback import free_port
    from generator.verify import Verifier

    variant = get_variant("default")
    shutil.rmtree(demo_dir / variant.slug, ignore_errors=True)
    deploy_root = Path(tempfile.mkdtemp(prefix="prodstack-demo-"))
    deploy_root.chmod(0o755)  # Nginx's workers read static files below it
    answers = {
        **variant.answers,
        "deploy_root": str(deploy_root),
        "http_port": free_port(),
        "https_port": free_port(),
    }
    try:
        started = time.perf_counter()
        project = bake(Variant(variant.name, variant.description, answers), demo_dir)
        elapsed = time.perf_counter() - started
        click.echo(f"baked {variant.name} into {project} in {elapsed:.2f}s")
        verifier = Verifier(project, serve=True, out=click.echo)
        if not verifier.verify():
            verifier.cleanup()
            raise SystemExit(1)
        verifier.serve_until_interrupted()
    finally:
        shutil.rmtree(deploy_root, ignore_errors=True)


@main.command("verify")
@click.argument(
    "project", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--serve",
    is_flag=True,
    help="After the checks, keep Gunicorn and Nginx running until Ctrl-C.",
)
def verify_command(project, serve):
    """Prove a generated PROJECT end to end behind real Nginx and Gunicorn.

    Needs root (Nginx workers run as www-data, the socket lives in /run),
    nginx, openssl, systemd-analyze and systemd-socket-activate; PostgreSQL
    variants also need PostgreSQL 15 server binaries.

    \b
    Example:
      prodstack bake default -o /tmp/projects
      prodstack verify /tmp/projects/my_api
    """
    from generator.verify import Verifier

    verifier = Verifier(project, serve=serve, out=click.echo)
    if not verifier.verify():
        raise SystemExit(1)
    if serve:
        verifier.serve_until_interrupted()
