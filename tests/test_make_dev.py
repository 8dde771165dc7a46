"""A fresh checkout of a generated project: `make dev` just works, and for
PostgreSQL `make db` runs the database it needs."""

import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import urllib.request
from contextlib import ExitStack, contextmanager
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
    user. (pytest's are private to root.)"""
    folder = Path(tempfile.mkdtemp(prefix="prodstack-make-db-"))
    folder.chmod(0o755)
    shutil.chown(folder, "postgres", "postgres")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def postmaster_uid(data_dir):
    """The uid the cluster in data_dir runs as, from its postmaster's pid."""
    pid = (data_dir / "postmaster.pid").read_text().split()[0]
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Uid:\s+(\d+)", status, re.M)[1])


@pytest.mark.parametrize("user", ["root", "postgres"])
def test_make_db_serves_make_dev_for_postgresql(cookies, tmp_path, developer_dir, user):
    """As root (PostgreSQL will not run as root; the README has people work as
    root, in a folder closed to other users) and as a developer's own user."""
    variant = VARIANTS["postgresql"]
    slug = variant.slug
    if user == "root":
        checkout = fresh_checkout(cookies, variant, tmp_path)
        as_user = []
    else:
        checkout = fresh_checkout(cookies, variant, developer_dir)
        run(["chown", "-R", "postgres:postgres", checkout])
        as_user = ["runuser", "-u", user, "--"]
    port = free_port()
    database_url = {
        "DATABASE_URL": f"postgres://{slug}:password@localhost:{port}/{slug}"
    }

    def make(*args):
        return run(
            [*as_user, "make", "--no-print-directory", *args],
            cwd=checkout,
            env={**os.environ, **database_url},
        )

    # No database yet: migrate says why in one line, and how to get one
    # (after whatever pip said while installing).
    migrate = make("migrate")
    assert migrate.returncode != 0
    assert "Traceback" not in migrate.stderr
    said = migrate.stderr[migrate.stderr.find("Cannot migrate:") :]
    assert said.startswith(
        f'Cannot migrate: connection failed: connection to server at "127.0.0.1", '
        f"port {port} failed: Connection refused\n"
    ), migrate.stderr[-3000:]
    assert "    make db\n" in said
    assert f"    sudo -u postgres createdb --owner={slug} {slug}\n" in said

    started = make("db", f"DB_PORT={port}")
    data_dir = Path(re.search(r"data in (\S+)/ ", started.stdout)[1])
    if user == "root":
        home = Path(pwd.getpwnam("postgres").pw_dir)
        assert data_dir == home / ("make-db" + str(checkout).replace("/", "-"))
    else:
        data_dir = checkout / data_dir
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"localhost:{port}" in started.stdout
        assert postmaster_uid(data_dir) == pwd.getpwnam("postgres").pw_uid
        assert make("db", f"DB_PORT={port}").returncode == 0  # already running
        address = f"127.0.0.1:{free_port()}"
        with make_dev(
            checkout, address, user=as_user and user, env=database_url
        ) as log:
            wait_for_health(address, log)
        assert health(address) is None
    finally:
        stopped = make("db-stop")
        if user == "root":
            shutil.rmtree(data_dir, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert not (data_dir / "postmaster.pid").exists()


@contextmanager
def taken_port():
    """A port that something else listens on, at every address localhost
    names (PostgreSQL listens on each of them)."""
    addresses = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
    port = 0
    with ExitStack() as listeners:
        for family, kind, _, _, address in addresses:
            listener = listeners.enter_context(socket.socket(family, kind))
            listener.bind((address[0], port))
            listener.listen()
            port = listener.getsockname()[1]
        yield port


def test_make_db_names_a_taken_port(cookies, tmp_path):
    checkout = fresh_checkout(cookies, VARIANTS["postgresql"], tmp_path)
    slug = VARIANTS["postgresql"].slug
    data_dir = Path(pwd.getpwnam("postgres").pw_dir) / (
        "make-db" + str(checkout).replace("/", "-")
    )
    try:
        with taken_port() as port:
            started = run(
                ["make", "--no-print-directory", "db", f"DB_PORT={port}"], cwd=checkout
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    assert started.returncode != 0
    assert "Address already in use" in started.stderr
    assert (
        f"Port {port} is taken: make db DB_PORT={port + 1}, and in .env: "
        f"DATABASE_URL=postgres://{slug}:password@localhost:{port + 1}/{slug}"
    ) in started.stderr
