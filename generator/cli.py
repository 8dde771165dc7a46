"""The prodstack command line."""

import json
import shutil
from pathlib import Path

import click

from generator import TEMPLATE_DIR
from generator.answers import (
    SAVED_ANSWERS,
    AnswersError,
    ask,
    check_answers,
    derived_keys,
    forget_saved_answers,
    read_answers_file,
    retry_command,
    save_answers,
    template_context,
    template_hook,
)
from generator.baking import (
    bake,
    bake_new,
    local_tools,
    project_argument,
    project_or_variant,
    require_tools,
    template_folder,
    variant_or_fail,
    verifiable_bake,
)
from generator.host_commands import verify_cluster_command, verify_host_command
from generator.stacks.local import LOOPBACK
from generator.variants import get_variant, load_variants

output_dir_option = click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to create the project in.",
)


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

    table = Table("variant", "database", "jwt", "docs", "sign-up", "example", "ci")
    for v in variants:
        answers = v.answers
        flags = ("api_docs", "allow_registration", "example_api")
        table.add_row(
            v.name,
            answers["database"],
            answers["jwt_algorithm"],
            *("yes" if answers[flag] else "no" for flag in flags),
            answers["ci"],
        )
    Console().print(table)


@main.command("bake")
@click.argument("name")
@output_dir_option
def bake_command(name, output_dir):
    """Bake the variant NAME into OUTPUT_DIR, without prompts.

    \b
    Example:
      prodstack bake default -o /tmp/projects
    """
    answers = variant_or_fail(name).answers
    project = bake(answers, output_dir)
    steps = template_hook(TEMPLATE_DIR, "post_gen_project").next_steps(answers, project)
    click.echo("\n".join(steps))


@main.command("new")
@click.option(
    "--template",
    default=str(TEMPLATE_DIR),
    show_default="this checkout",
    help="Template folder or git URL.",
)
@click.option("--variant", "variant_name", help="Start from this variant's answers.")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML file of answers, keys as in cookiecutter.json; overrides --variant.",
)
@click.option(
    "--no-input", is_flag=True, help="Ask nothing; take defaults for the rest."
)
@output_dir_option
def new_command(template, variant_name, answers_file, no_input, output_dir):
    """Make a new project: cookiecutter's prompts, or answers given up front.

    With --answers, values the template derives (project_slug, deploy_root)
    follow the file's project_name unless the file sets them as well. When
    the template refuses an answer, nothing is written but the answers, to
    prodstack-answers.yaml, with the keys to change and the command that
    retries from them; once that retry makes the project, the file goes.

    \b
    Examples:
      prodstack new                                  # asks every question
      prodstack new --variant postgresql --no-input -o ~/src
      prodstack new --answers answers.yaml --no-input
      prodstack new --template https://github.com/ORG/REPO.git
      prodstack new --template git+file:///path/to/checkout
    """
    answers = dict(variant_or_fail(variant_name).answers) if variant_name else {}
    try:
        with template_folder(template) as template_dir:
            context = template_context(template_dir)
            if answers_file:
                from_file = read_answers_file(answers_file)
                check_answers(from_file, context, source=answers_file)
                # A new project_name should bring its own slug and deploy_root,
                # unless the file sets them too.
                for key in derived_keys(context):
                    if key not in from_file:
                        answers.pop(key, None)
                answers.update(from_file)
            complete = ask(template_dir, answers, no_input=no_input)
            checks = template_hook(template_dir, "pre_gen_project")
            problems = checks.find_problems(complete)
            next_steps = template_hook(template_dir, "post_gen_project").next_steps(
                complete, output_dir / complete["project_slug"]
            )
    except AnswersError as error:
        raise click.ClickException(str(error)) from None
    if problems:
        # Prompted answers are saved whole; given ones as given (plus the
        # refused), so that derived ones follow a changed project_name.
        refused = {field: complete[field] for field, _ in problems}
        saved = {**answers, **refused} if no_input else complete
        _refuse(checks, problems, saved, retry_command(output_dir, template))
    bake_new(complete, output_dir, template)
    if answers_file and forget_saved_answers(answers_file):
        click.echo(f"removed {answers_file}: the project's .cruft.json keeps them")
    click.echo("\n".join(next_steps))


def _refuse(checks, problems, answers, retry):
    """Save the answers for a retry, print the template's problems and fail,
    naming the keys to change, the file and the command."""
    fields = checks.fields_in_words(problems)
    save_answers(answers, SAVED_ANSWERS, fields, retry)
    click.echo("\n".join(checks.listing(problems)), err=True)
    raise click.ClickException(
        f"nothing was written. Change {fields} in {SAVED_ANSWERS}, then run: {retry}"
    )


@main.command("verify")
@project_argument
@click.option(
    "--variant",
    "variant_name",
    help="Bake this variant into a temp folder (throwaway deploy_root, free ports) "
    "and verify it.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="After the checks, keep Gunicorn and Nginx running until Ctrl-C.",
)
def verify_command(project, variant_name, serve):
    """Prove a generated PROJECT end to end behind real Nginx and Gunicorn.

    Needs root (Nginx workers run as www-data, the socket lives in /run),
    nginx, openssl, systemd-analyze and systemd-socket-activate; PostgreSQL
    variants also need PostgreSQL 15 server binaries.

    \b
    Examples:
      prodstack verify --variant default           # what CI runs per variant
      prodstack bake default -o /tmp/projects      # deploy_root must be writable
      prodstack verify /tmp/projects/my_api
    """
    with project_or_variant(project, variant_name) as path:
        _verify(path, serve)


@main.command("demo")
@click.option(
    "--dir",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo project; a previous demo there is replaced.",
)
@click.option(
    "--listen",
    default=LOOPBACK,
    show_default=True,
    help="The address Nginx listens on; 0.0.0.0 for every address (the demo's "
    "admin and API are then open to whoever reaches this machine).",
)
def demo_command(demo_dir, listen):
    """Bake the default variant, verify it, and serve it through Nginx until Ctrl-C.

    The bake keeps the default answers but for deploy_root (a temporary folder)
    and the ports (free high ones), so nothing lands in /srv or on port 443.
    A demo has its own socket, ports and runtime files: a verify or a bench
    of the same project name beside it does not touch it.

    \b
    Examples:
      prodstack demo --dir demo
      prodstack demo --listen 0.0.0.0     # reachable from other machines
    """
    variant = get_variant("default")
    shutil.rmtree(demo_dir / variant.slug, ignore_errors=True)
    with verifiable_bake(variant, demo_dir) as project:
        _verify(project, serve=True, listen=listen)


def _verify(project, serve, listen=LOOPBACK):
    from generator.verify import verify

    require_tools(*local_tools(project))
    if not verify(project, serve=serve, out=click.echo, listen=listen).passed:
        raise SystemExit(1)


@main.command("lock")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when a fresh resolution differs from the file; write nothing.",
)
def lock_command(check):
    """Resolve the template's production dependencies and write its
    requirements.lock, hashed, each optional package marked (needs PyPI).

    \b
    Examples:
      prodstack lock            # after changing a pin in the template's pyproject
      prodstack lock --check    # what CI runs: is the lock current?
    """
    from generator.lock import LOCK, LockError, template_lock

    try:
        text = template_lock()
    except LockError as error:
        raise click.ClickException(str(error)) from None
    if check:
        if not LOCK.is_file() or LOCK.read_text() != text:
            raise click.ClickException(
                f"{LOCK} is out of date: run `prodstack lock` and commit it"
            )
        click.echo(f"{LOCK} is current")
        return
    LOCK.write_text(text)
    click.echo(f"wrote {LOCK}")


@main.command("bench")
@project_argument
@click.option("--variant", "variant_name", help="Bake this variant to a temp folder.")
@click.option("--duration", default=5, show_default=True, help="Seconds per run.")
@click.option("--connections", default=32, show_default=True, help="wrk connections.")
@click.option("--rounds", default=2, show_default=True, help="Alternating rounds.")
@click.option("--sweep", is_flag=True, help="Also sweep Gunicorn worker settings.")
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tables to this file.",
)
def bench_command(
    project, variant_name, duration, connections, rounds, sweep, markdown
):
    """Benchmark a PROJECT's production stack against runserver, Gunicorn with
    no config and a raw WSGI ceiling, with wrk over loopback.

    Needs what verify needs, and wrk (Debian's package).

    \b
    Examples:
      prodstack bench --variant default --sweep     # what make bench runs
      prodstack bench --variant minimal --duration 1 --rounds 1
    """
    with project_or_variant(project, variant_name) as path:
        _bench(path, duration, connections, rounds, sweep, markdown)


def _bench(project, duration, connections, rounds, sweep, markdown):
    from generator.bench import Bench
    from generator.checking import StepFailed

    require_tools(*local_tools(project), "bench")
    bench = Bench(project, duration, connections, rounds, out=click.echo)
    try:
        bench.run(sweep=sweep)
    except StepFailed as failure:
        raise click.ClickException(str(failure)) from None
    report = bench.report()
    click.echo("\n" + report)
    if markdown:
        markdown.write_text(report + "\n")


main.add_command(verify_host_command)
main.add_command(verify_cluster_command)
