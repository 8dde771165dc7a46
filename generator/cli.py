"""The prodstack command line."""

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
