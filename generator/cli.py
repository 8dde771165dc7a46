"""The prodstack command line."""

import contextlib
import json
import time
from pathlib import Path

import click

from generator import TEMPLATE_DIR
from generator.variants import get_variant, load_variants


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
    help="Folder for the demo project; its previous contents are replaced.",
)
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
def demo_command(demo_dir, port):
    """Bake the default variant, install and migrate it, and serve it until Ctrl-C.

    \b
    Example:
      prodstack demo --dir demo --port 8000
    """
    import shutil
    import subprocess
    import sys

    variant = get_variant("default")
    project = demo_dir / variant.slug
    shutil.rmtree(project, ignore_errors=True)
    path = bake(variant, demo_dir).resolve()
    uv = Path(sys.executable).with_name("uv")
    python = path / ".venv" / "bin" / "python"
    steps = [
        ("venv", [uv, "venv", "--quiet", "--python", sys.executable, path / ".venv"]),
        (
            "install",
            [uv, "pip", "install", "--quiet", "--python", python, "-e", f"{path}[dev]"],
        ),
        ("migrate", [python, "manage.py", "migrate", "--verbosity", "0"]),
    ]
    for label, command in steps:
        started = time.perf_counter()
        subprocess.run([str(part) for part in command], cwd=path, check=True)
        click.echo(f"{label}: {time.perf_counter() - started:.1f}s")
    base = f"http://127.0.0.1:{port}"
    click.echo(f"\n{variant.name} is baked at {path} and answers at:")
    for url_path in ("/api/health/", "/api/docs/", "/admin/"):
        click.echo(f"  {base}{url_path}")
    click.echo("Ctrl-C stops it.")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(
            [str(python), "manage.py", "runserver", f"127.0.0.1:{port}"],
            cwd=path,
            check=False,
        )


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
