"""What every stack of real test hosts shares, whether one host does it all
(stack.py) or several on one bridge (cluster.py): a host (a fresh copy of
the cached image, a network namespace on the run's bridge, the nspawn
Machine on them), the SSH key and known_hosts Ansible uses, the inventory
variables every host gets, the project's own `make`, HTTPS clients to the
site, and a teardown that leaves nothing behind, whatever happened.
"""

import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from pathlib import Path

import yaml

from generator.hosts.load import LOOP_THREADS
from generator.hosts.machine import Machine
from generator.hosts.make import end_ssh_masters, run_make
from generator.hosts.network import bridge, namespace
from generator.hosts.rootfs import cached_rootfs, fresh_copy
from generator.layout import DeployRootFiles
from generator.loopback import http_client, https_client
from generator.project import Project
from generator.stack import User, sign_in

CLIENT_INDEX = 100  # this machine's client addresses: 10.x.0.101 and up
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DEPLOY_USER = "deploy"  # the generated inventory's ansible_user
UNRELATED_SSH_SOURCE = "192.0.2.1"  # TEST-NET-1: no address of this run
TEN_YEARS = 10 * 365 * 86400
# A host shares this machine's 2 cores with the harness and other hosts: a
# password reset (two Argon2 hashes, a mail sent) once took over 10 s
# there. Slow is not wrong; a request loop still reports its longest.
CLIENT_TIMEOUT = 30


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


class HostsStack(DeployRootFiles):
    """A generated project deployed by its own `make` to hosts of this run;
    subclasses say which hosts and write the inventory. self.address is
    where the site answers (the one host, or the load balancer)."""

    def __init__(self, project, work, out=print):
        self.source, self.work, self.out = Path(project).resolve(), work, out
        # The stack works on a copy: a release changes its code.
        self.path = work / "project"
        self.project = Project(self.path)
        answers = Project.load(self.source).answers
        self.slug = answers["project_slug"]
        self.domain = answers["domain_name"]
        self.http_port = int(answers["http_port"])
        self.https_port = int(answers["https_port"])
        self.deploy_root = answers["deploy_root"]
        self.run_id = secrets.token_hex(3)
        self.logs = work / "logs"
        self.logs.mkdir(parents=True)
        self.runs = 0
        self.user = User.fresh()
        self.deploy_user = DEPLOY_USER
        self.clients = 0
        # Threads of the request loops that run while an action changes the
        # hosts (load.py).
        self.loop_threads = LOOP_THREADS

    def _start_hosts(self, exit_stack, indexes):
        """The bridge, and on it a booted host per name at 10.x.0.INDEX,
        each on its own copy of the image (copied and booted side by side),
        SSH key authorized; returns them by name."""
        # The project's own .venv comes along: its tools run from the copy.
        subprocess.run(["cp", "-a", self.source, self.path], check=True)
        shutil.rmtree(self.path / "build", ignore_errors=True)
        self.network = exit_stack.enter_context(bridge(self.run_id))
        self.key = self.work / "ssh" / "id_ed25519"
        self.key.parent.mkdir(mode=0o700)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key],
            check=True,
        )
        image = cached_rootfs(out=self.out)
        hosts = {}
        for name, index in indexes.items():
            root = self.work / f"root-{name}"
            exit_stack.callback(shutil.rmtree, root, ignore_errors=True)
            hosts[name] = (root, index)
        roots = [root for root, _ in hosts.values()]
        _side_by_side(lambda root: fresh_copy(image, root), roots)
        for name, (root, index) in hosts.items():
            space = exit_stack.enter_context(
                namespace(self.network, self.run_id, index)
            )
            hosts[name] = Host(
                name, self.run_id, root, space, self.logs / f"{name}.log",
                self.slug, self.deploy_root,
            )  # fmt: skip
        # Powered off side by side: each may wait for its units' stop timeouts.
        exit_stack.callback(_side_by_side, Host.stop, hosts.values())
        self.known_hosts = self.work / "ssh" / "known_hosts"
        self.known_hosts.write_text(
            "".join(host.authorize(self.key) for host in hosts.values())
        )
        _side_by_side(Host.boot, hosts.values())
        # Runs before the hosts power off (an ExitStack unwinds backwards).
        exit_stack.push(partial(_keep_journals, hosts.values(), self.logs))
        return hosts

    def _common_vars(self, acme):
        """The variables every host gets, however many there are."""
        ssh_options = (
            f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
            "-o IdentitiesOnly=yes"
        )
        return {
            # As the generated inventory has it: the first deploy logs in as
            # root (the key the hosts authorized), every later one as this.
            "ansible_user": DEPLOY_USER,
            "ansible_become": True,
            "ansible_ssh_private_key_file": str(self.key),
            "ansible_ssh_common_args": ssh_options,
            # A host has no route out: its apt index is the image's, however
            # old, and the packages it needs are already in apt's archive.
            "base_apt_cache_valid_time": TEN_YEARS,
            "host_apt_cache_valid_time": TEN_YEARS,
            # SSH only from an address that is none of this run's: every deploy
            # then proves the playbook lets in the address it comes from
            # (this machine's end of the bridge) and so cannot lock itself out.
            "host_ssh_allow": [UNRELATED_SSH_SOURCE],
            "web_acme_server": acme.directory,
            "web_acme_ca_bundle": str(acme.api_ca_file),
        }

    def _write_inventory(self, inventory):
        path = self.work / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory))
        return path

    # Clients ------------------------------------------------------------

    def new_client_address(self):
        """Make stack.https and stack.http come from a new address of this
        machine's on the bridge, as a next client would. The sign-in throttles
        (Nginx's and the app's) count per address and per minute, and a run
        signs in more often than one client may."""
        self.clients += 1
        source = self.network.add_address(CLIENT_INDEX + self.clients)
        self.https = self.https_from(source)
        self.http = http_client(self.domain, self.http_port, self.address, source)
        return source

    def https_from(self, source):
        """An HTTPS client whose requests come from the address `source`."""
        return https_client(
            self.domain, self.https_port, self.certificate, self.address, source,
            timeout=CLIENT_TIMEOUT,
        )  # fmt: skip

    def sign_in(self):
        return sign_in(self)

    def create_superuser(self, user):
        self.manage(
            "createsuperuser", "--no-input",
            "--username", user.username, "--email", user.email,
            env={"DJANGO_SUPERUSER_PASSWORD": user.password},
        )  # fmt: skip

    # Actions: they change the hosts on purpose -------------------------------

    def make(self, target, *args):
        """Run the project's own `make TARGET` against the hosts."""
        self.runs += 1
        log = self.logs / f"{self.runs:02d}-make-{target}.log"
        return run_make(self.path, target, self.inventory, self.work, log, *args)

    def deploy(self, *args):
        return self.make("deploy", *args)

    def rollback(self):
        return self.make("rollback")


def _keep_journals(hosts, logs, failure, *_):
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


def _side_by_side(function, items):
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
    failed = False
    try:
        yield work, exit_stack
    except BaseException:
        failed = True
        raise
    finally:
        with _interrupts_held():
            exit_stack.close()
            end_ssh_masters(work)
            if failed:
                logs = work / "logs"
                keep = Path(tempfile.mkdtemp(prefix=f"prodstack-{kind}-logs-"))
                if logs.is_dir():
                    shutil.copytree(logs, keep, dirs_exist_ok=True)
                out(f"logs of the {kind} run: {keep}")
            shutil.rmtree(work, ignore_errors=True)
