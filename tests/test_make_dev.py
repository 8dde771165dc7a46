"""A fresh checkout of a generated project: `make dev` just works, and for
PostgreSQL `make db` runs the database it needs."""

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.checking import StepFailed, poll
from generator.loopback import free_port

from .helpers import TEMPLATE, VARIANTS, run

START_DEADLINE = 90  # seconds: install, migrate and runserver's start


def fresh_checkout(cookies, variant, tmp_path):
    """The variant as a clone of its repository would hold it: no .env."""
    result = cookies.bake(template=str(TEMPLATE), extra_context=variant.answers)
    assert result.exit_code == 0, result.exception
    checkout = tmp_path / "checkout"
    without_env = shutil.ignore_patterns(".env")
    shutil.copytree(result.project_path, checkout, ignore=without_env)
    return checkout


def health(address):
    try:
        with urllib.request.urlopen(f"http://{address}/api/health/", timeout=2) as r:
            return r.status
    except OSError:
        return None


@contextmanager
def make_dev(checkout, address, user=None, env=None):
    """`make dev ADDR=address` running until the block ends; yields the log."""
    command = ["make", "dev", f"ADDR={address}"]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    log = (checkout.parent / "make-dev.log").open("w+")
    process = subprocess.Popen(
        command,
        cwd=checkout,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # runserver's reloader child goes with it
    )
    try:
        yield log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_for_health(address, process_log):
    try:
        poll(lambda: health(address) == 200, f"an answer on {address}", START_DEADLINE)
    except StepFailed as failed:
        process_log.seek(0)
        raise AssertionError(f"{failed}:\n{process_log.read()[-3000:]}") from None


def test_make_dev_makes_env_installs_migrates_and_serves(cookies, tmp_path):
    checkout = fresh_checkout(cookies, VARIANTS["default"], tmp_path)
    address = f"127.0.0.1:{free_port()}"
    with make_dev(checkout, address) as log:
        wait_for_health(address, log)
    assert health(address) is None  # nothing left running
    assert stat.S_IMODE((checkout / ".env").stat().st_mode) == 0o600
    assert (checkout / "db.sqlite3").is_file()


@pytest.fixture
def developer_dir():
    """A folder of the postgres system user, standing in for a developer's own
    user: PostgreSQL refuses to run as root. (pytest's are private to root.)"""
    folder = Path(tempfile.mkdtemp(prefix="prodstack-make-db-"))
    folder.chmod(0o755)
    shutil.chown(folder, "postgres", "postgres")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_make_db_serves_make_dev_for_postgresql(cookies, developer_dir):
    variant = VARIANTS["postgresql"]
    slug = variant.slug
    checkout = fresh_checkout(cookies, variant, developer_dir)
    run(["chown", "-R", "postgres:postgres", checkout])
    port = free_port()
    database_url = {
        "DATABASE_URL": f"postgres://{slug}:password@localhost:{port}/{slug}"
    }

    def make(*args):
        return run(
            ["runuser", "-u", "postgres", "--", "make", "--no-print-directory", *args],
            cwd=checkout,
            env={**os.environ, **database_url},
        )

    # No database yet: migrate fails and says how to get one.
    migrate = make("migrate")
    assert migrate.returncode != 0
    assert "make db" in migrate.stderr
    assert f"createdb --owner={slug} {slug}" in migrate.stderr

    started = make("db", f"DB_PORT={port}")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"localhost:{port}" in started.stdout
        assert make("db", f"DB_PORT={port}").returncode == 0  # already running
        address = f"127.0.0.1:{free_port()}"
        with make_dev(checkout, address, user="postgres", env=database_url) as log:
            wait_for_health(address, log)
        assert health(address) is None
    finally:
        stopped = make("db-stop")
    assert stopped.returncode == 0, stopped.stderr
