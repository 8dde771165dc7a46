"""`prodstack verify` on every variant: baked, installed, tested and booted
behind real Nginx and Gunicorn, with the deploy files as rendered."""

import re
import shutil
import time
from pathlib import Path

from generator.loopback import free_port

from .helpers import BIN, TEMPLATE, TIMINGS, VARIANTS, run

STEPS = (
    "layout",
    "install",
    "ruff",
    "check --deploy",
    "database + migrate",
    "project tests",
    "collectstatic",
    "gunicorn --check-config",
    "systemd units",
    "nginx -t + gixy",
    "gunicorn (socket-activated)",
    "nginx",
    "JWT flow over HTTPS",
    "redirect, ACME, headers",
    "static files",
    "schemathesis",
    "rate limit",
    "HUP reload under load",
    "worker killed under load",
    "database outage",
    "gunicorn down: 502",
    "shutdown",
)


def leftovers(slug, deploy_root):
    """Processes verify started that still run: Gunicorn runs from deploy_root,
    Nginx from verify's work folder; and the socket file."""
    marks = (str(deploy_root), f"prodstack-verify-{slug}-")
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if proc.name.isdigit() and any(mark in cmdline for mark in marks):
            found.append(cmdline)
    if Path(f"/run/{slug}.sock").exists():
        found.append(f"/run/{slug}.sock")
    return found


def test_verify_passes_every_step(baked):
    started = time.perf_counter()
    result = run([BIN / "prodstack", "verify", baked.path])
    TIMINGS[("verify", baked.variant.name)] = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    for step in STEPS:
        assert f"PASS  {step} " in result.stdout, (
            f"{step} did not pass:\n{result.stdout}"
        )
    assert "FAIL" not in result.stdout
    assert "exposure: " in result.stdout and " OK" in result.stdout
    assert not leftovers(baked.variant.slug, baked.answers["deploy_root"])


def test_verify_stops_at_the_first_failure_and_cleans_up(cookies, deploy_base):
    answers = {
        **VARIANTS["minimal"].answers,
        "project_slug": "broken_static",
        "deploy_root": str(deploy_base / "broken_static"),
        "http_port": free_port(),
        "https_port": free_port(),
    }
    baked = cookies.bake(template=str(TEMPLATE), extra_context=answers)
    assert baked.exit_code == 0, baked.exception
    site = baked.project_path / "deploy" / "nginx" / "broken_static.conf"
    site.write_text(site.read_text().replace("immutable", "no-cache"))

    result = run([BIN / "prodstack", "verify", baked.project_path])

    assert result.returncode == 1
    assert "PASS  nginx " in result.stdout
    assert "FAIL  static files" in result.stdout
    assert "Cache-Control" in result.stdout
    assert "PASS  rate limit" not in result.stdout
    assert not leftovers("broken_static", answers["deploy_root"])
    # The logs of the failed run are kept, and named in the output.
    logs = re.search(r"logs of every step: (\S+)/logs$", result.stdout, re.M)
    assert logs and Path(logs.group(1)).is_dir()
    shutil.rmtree(logs.group(1))
