"""`prodstack verify` on every variant: baked, installed, tested and booted
behind real Nginx and Gunicorn, with the deploy files as rendered."""

import re
import shutil
import subprocess
from pathlib import Path

from generator.verify import plan, verify

from .helpers import BIN, TEMPLATE, VARIANTS, run


def leftovers(deploy_root, said):
    """Processes verify started that still run (Gunicorn runs from
    deploy_root, Nginx from verify's work folder), and that folder, which
    held the socket."""
    work = re.search(r" on (/\S+)/[^/\s]+\.sock", said)
    assert work, f"no socket named in:\n{said}"
    marks = (str(deploy_root), work.group(1))
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if proc.name.isdigit() and any(mark in cmdline for mark in marks):
            found.append(cmdline)
    if Path(work.group(1)).exists():
        found.append(work.group(1))
    return found


def test_verify_passes_every_step(baked):
    lines = []
    report = verify(baked.path, out=lines.append)
    assert report.passed, "\n".join(lines)
    assert report.labels_passed == [step.label for step in plan()]
    assert " OK" in report.detail("systemd units")
    assert not leftovers(baked.answers["deploy_root"], "\n".join(lines))


def test_verify_stops_at_the_first_failure_and_cleans_up(cookies, deploy_base):
    answers = VARIANTS["minimal"].answers_for_test_stack(
        deploy_base / "broken_static", slug="broken_static"
    )
    baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
    assert baked.exit_code == 0, baked.exception
    site = baked.project_path / "deploy" / "nginx" / "broken_static.conf"
    site.write_text(site.read_text().replace("immutable", "no-cache"))

    result = run([BIN / "prodstack", "verify", baked.project_path])

    assert result.returncode == 1
    assert "FAIL  static files" in result.stdout
    assert "Cache-Control" in result.stdout
    passed = re.findall(r"^PASS  (.+?)\s+\d+\.\d+s", result.stdout, re.M)
    labels = [step.label for step in plan()]
    assert passed == labels[: labels.index("static files")]
    # The logs of the failed run are kept, and named in the output.
    logs = re.search(r"logs of every step: (\S+)/logs$", result.stdout, re.M)
    assert logs and Path(logs.group(1)).is_dir()
    shutil.rmtree(logs.group(1))
    assert not leftovers(answers["deploy_root"], result.stdout)


def test_two_runs_of_the_longest_project_name_at_once_both_pass(cookies, deploy_base):
    # 60 characters of name give a slug of 31, the longest a slug may be,
    # which names the units, the socket, the Nginx site and the service's
    # user. And each local stack has its own socket, runtime folder, Nginx
    # prefix and ports: two of one project name (a demo beside a bench, say)
    # never meet.
    name = "Wholesale Orders Reconciliation Invoices Payments Settlement"
    slug = "wholesale_orders_reconciliation"
    bakes = []
    for number in (1, 2):
        answers = VARIANTS["default"].answers_for_test_stack(
            deploy_base / f"long-name-{number}"
        )
        answers["project_name"] = name
        del answers["project_slug"]  # derived from the name
        baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
        assert baked.exit_code == 0, baked.exception
        assert baked.project_path.name == slug
        bakes.append((baked.project_path, answers["deploy_root"]))
    processes = [
        subprocess.Popen(
            [BIN / "prodstack", "verify", path],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path, _ in bakes
    ]
    outputs = [process.communicate(timeout=900)[0] for process in processes]
    labels = [step.label for step in plan()]
    sockets = []
    for process, output, (_, deploy_root) in zip(
        processes, outputs, bakes, strict=True
    ):
        assert process.returncode == 0, output
        assert re.findall(r"^PASS  (.+?)\s+\d+\.\d+s", output, re.M) == labels
        sockets += re.findall(rf" on (/\S+/{slug}\.sock)", output)
        assert not leftovers(deploy_root, output)
    assert len(set(sockets)) == 2, sockets
