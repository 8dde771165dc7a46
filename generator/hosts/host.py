"""One host of a run (a fresh copy of the cached image, a network
namespace on the run's bridge, the nspawn Machine on them, the project's
service on it), and the teardown of a run: everything it made is gone on
exit, whatever happened, and the logs are kept only when it failed.
"""

import shutil
import signal
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from generator.hosts.machine import Machine
from generator.hosts.make import end_ssh_masters

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Host:
    """One Debian 12 host of a run, with the project's service on it."""

    def __init__(self, name, run_id, root, namespace, log, slug, deploy_root):
        self.name, self.root, self.namespace = name, root, namespace
        self.address = namespace.address
        self.slug, self.deploy_root = slug, deploy_root
        self.machine = Machine(root, f"ps{run_id}{name}", namespace, log)

    def boot(self):
        return self.machine.boot()

    def kill(self):
        return self.machine.kill()

    def stop(self):
        if self.machine.alive():
            self.machine.stop()

    def run(self, *command, **kwargs):
        return self.machine.run(*command, **kwargs)

    def inside(self, path):
        """A path inside the host, as this machine reaches it (through its
        PID 1's root, so it works for what lives in the host's /run too)."""
        return Path(f"/proc/{self.machine.leader()}/root") / str(path).lstrip("/")

    def manage(self, *args, env=None):
        """manage.py of the live release, as the service user."""
        extra = [f"{k}={v}" for k, v in (env or {}).items()]
        return self.run(
            "env",
            f"DJANGO_ENV_FILE=/etc/{self.slug}/env",
            "DJANGO_SETTINGS_MODULE=config.settings.production",
            *extra,
            "runuser", "-u", self.slug, "--",
            f"{self.deploy_root}/current/.venv/bin/python",
            f"{self.deploy_root}/current/manage.py",
            *args,
        )  # fmt: skip

    def authorize(self, key):
        """Let the key in as root (the first deploy logs in as root); the
        host's key as a known_hosts line."""
        ssh_dir = self.root / "root" / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        authorized = ssh_dir / "authorized_keys"
        authorized.write_text(key.with_suffix(".pub").read_text())
        authorized.chmod(0o600)
        host_key = (self.root / "etc/ssh/ssh_host_ed25519_key.pub").read_text()
        return f"{self.address} {host_key}"


def keep_journals(hosts, logs, failure, *_):
    """When the run failed: each running host's journal of this boot, beside
    the logs that are kept (the units' own messages say why they failed)."""
    if failure is None:
        return
    for host in hosts:
        if not host.machine.alive():
            continue
        with suppress(Exception):  # the teardown goes on regardless
            journal = host.run("journalctl", "-b", "--no-pager", check=False)
            (logs / f"{host.name}-journal.log").write_text(journal.stdout)


def side_by_side(function, items):
    """function(item) for every item at once; the first error is raised
    once all are done."""
    items = list(items)
    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(function, items))


@contextmanager
def _interrupts_held():
    """Ctrl-C and SIGTERM wait while hosts are torn down: half a teardown
    would leave a container, a namespace or a bridge behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


@contextmanager
def torn_down(kind, out=print):
    """A work folder and an ExitStack for what a run makes; all of it is gone
    on exit, whatever happened. The logs are kept (and named) only when
    something failed."""
    work = Path(tempfile.mkdtemp(prefix=f"prodstack-{kind}-"))
    exit_stack = ExitStack()
    failed = None
    try:
        yield work, exit_stack
    except BaseException as error:
        failed = error
        raise
    finally:
        with _interrupts_held():
            # The failure goes to the callbacks: keep_journals keeps each
            # host's journal only then (close() would tell them nothing).
            if failed is None:
                exit_stack.close()
            else:
                exit_stack.__exit__(type(failed), failed, failed.__traceback__)
            end_ssh_masters(work)
            if failed:
                logs = work / "logs"
                keep = Path(tempfile.mkdtemp(prefix=f"prodstack-{kind}-logs-"))
                if logs.is_dir():
                    shutil.copytree(logs, keep, dirs_exist_ok=True)
                out(f"logs of the {kind} run: {keep}")
            shutil.rmtree(work, ignore_errors=True)
