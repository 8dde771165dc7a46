"""The commands that prove a project on fresh Debian 12 hosts: one host
(verify-host) and a load balancer with two app hosts (verify-cluster)."""

import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

from generator.baking import bake, project_argument, require_tools, variant_or_fail

figures_option = click.option(
    "--figures",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the figures as JSON to this file.",
)


@click.command("verify-host")
@project_argument
@click.option(
    "--variant",
    "variant_name",
    help="Bake this variant, with its own answers, into a temp folder and prove it.",
)
@figures_option
@click.option(
    "--by-hand",
    is_flag=True,
    help="Follow deploy/README.md's steps by hand instead of `make deploy`, "
    "then run the HTTP checks.",
)
@click.option(
    "--lynis/--no-lynis",
    default=True,
    help="Audit the host with Lynis before and after the first deploy "
    "(about a minute; the host's baseline is the same for every variant).",
)
def verify_host_command(project, variant_name, figures, by_hand, lynis):
    """Deploy a generated PROJECT to a fresh Debian 12 host with its own
    `make deploy`, and prove it there: the host's firewall, SSH, updates and
    logs, the service's hardening, a release and a rollback under load, a
    reboot, a no-change deploy, and a certificate from ACME.

    The host is systemd-nspawn on a cached debootstrap image (built once,
    under /var/cache/prodstack), in a network namespace on a bridge of its
    own; pebble is the ACME server. Needs root, systemd-container,
    debootstrap and pebble (Debian packages). The project is not changed:
    the proof works on a copy.

    \b
    Examples:
      prodstack verify-host --variant default
      prodstack verify-host ~/src/my_api --figures figures.json
      prodstack verify-host --variant postgresql --by-hand
    """
    if bool(project) == bool(variant_name):
        raise click.UsageError("give either PROJECT or --variant NAME")
    _require_host_tools()
    with _as_given_or_baked(project, variant_name) as path:
        _verify_host(path, figures, by_hand, lynis)


def _verify_host(project, figures_file, by_hand, lynis=True):
    from generator.proofs import prove_on, runbook
    from generator.proofs.deploy_speed import missed_targets, speed_report
    from generator.proofs.host import sequence
    from generator.runner import handle_termination
    from generator.stacks.host import host_stack

    handle_termination()
    steps = runbook.SEQUENCE if by_hand else sequence(lynis)
    report = prove_on(host_stack, project, steps, out=click.echo)
    if not report.passed:
        raise click.ClickException("a proof failed (see above)")
    figures = report.figures
    if not by_hand:
        figures["deploy_targets_missed"] = missed_targets(figures)
        click.echo(speed_report(figures))
    click.echo(f"proved {project} on a fresh host in {figures['total_s']:.0f}s")
    _write_figures(figures_file, figures)


@contextmanager
def _as_given_or_baked(project, variant_name):
    """The project given, or the variant baked with its own answers (its
    ports, its deploy_root: the hosts are its own) into a temp folder."""
    if project:
        yield project
        return
    with tempfile.TemporaryDirectory(prefix="prodstack-bake-") as output:
        yield bake(variant_or_fail(variant_name).answers, output)


def _require_host_tools():
    from generator.hosts.rootfs import image_is_cached

    require_tools("hosts", *(() if image_is_cached() else ("image",)))


def _write_figures(path, figures):
    if path:
        path.write_text(json.dumps(figures, indent=2) + "\n")


@click.command("verify-cluster")
@project_argument
@click.option(
    "--variant",
    "variant_name",
    help="Bake this variant, with its own answers, and prove it on three hosts "
    "(without PROJECT: postgresql).",
)
@figures_option
@click.option(
    "--bench",
    type=click.IntRange(min=1),
    help="Then measure requests/s through the load balancer with 1 and with 2 "
    "app hosts, this many seconds each (wrk on this machine).",
)
def verify_cluster_command(project, variant_name, figures, bench):
    """Deploy a PROJECT, or a variant, to three fresh Debian 12 hosts on one
    bridge (a load balancer that also holds PostgreSQL, two app hosts) with
    its own `make deploy`, and prove it: the HTTP checks through the load
    balancer, shared secrets, throttle and token blacklist, a rolling release
    and rollback under load, an app host killed under load and booted again, and a
    second deploy that changes nothing. Torn down afterwards.

    \b
    Examples:
      prodstack verify-cluster --figures cluster.json
      prodstack verify-cluster --bench 10
      prodstack verify-cluster ~/src/my_api
    """
    from generator.proofs.cluster import verify_cluster
    from generator.runner import handle_termination

    if project and variant_name:
        raise click.UsageError("give either PROJECT or --variant NAME")
    _require_host_tools()
    handle_termination()
    with _as_given_or_baked(project, variant_name or "postgresql") as path:
        report = verify_cluster(path, bench, out=click.echo)
    if not report.passed:
        raise click.ClickException("a proof failed (see above)")
    _write_figures(figures, report.figures)
