"""A generated project deployed to a fresh Debian 12 host by its own
`make deploy`, with the handles the HTTP checks use.

    with host_stack(project) as stack:
        stack.deploy()             # the first deploy, as a user runs it
        stack.https.get("/api/health/")

The host is an nspawn container on a private bridge (see machine.py,
network.py); Ansible reaches it over SSH as a user's deploy does, with a key
and a known_hosts file made for this run. A local ACME server (pebble) on the
bridge issues the site's certificate. Everything is torn down on exit,
whatever happened, and the project itself is never changed: the stack works
on a copy.
"""

import json
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml

from generator.hosts.acme import acme_server
from generator.hosts.machine import Machine
from generator.hosts.make import end_ssh_masters, run_make
from generator.hosts.network import bridge, namespace
from generator.hosts.offsite import rsync_target
from generator.hosts.rootfs import cached_rootfs, fresh_copy
from generator.layout import DeployRootFiles
from generator.loopback import http_client, https_client, unix_client
from generator.mailbox import smtp_sink
from generator.project import Project
from generator.stack import User, sign_in

HOST_INDEX = 11  # the host's address on the bridge: 10.x.0.11
# This machine's addresses on the bridge for a client the metrics path
# refuses, and for one a check lists as a metrics scraper.
STRANGER_INDEX, SCRAPER_INDEX = 91, 92
# And one that scans the host's ports (and may not reach its SSH).
SCANNER_INDEX = 93
CLIENT_INDEX = 100  # this machine's client addresses: 10.x.0.101 and up
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# What the host runs when a backup fails: the journal of its OnFailure= unit
# then shows that the hook ran, for which unit, and why.
BACKUP_ALERT = "echo backup alert: $MONITOR_UNIT $MONITOR_SERVICE_RESULT"
DEPLOY_USER = "deploy"  # the generated inventory's ansible_user
UNRELATED_SSH_SOURCE = "192.0.2.1"  # TEST-NET-1: no address of this run


class HostStack(DeployRootFiles):
    """The same handles as the local stack (generator/stack.py), so the HTTP
    checks run against a host unchanged."""

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
        self.gunicorn_log = self.logs / "host.log"
        self.runs = 0
        self.user = User.fresh()
        # Variables a check adds to the service's environment for a while.
        self.env, self.production_env = {}, {}

    # Bringing it up ------------------------------------------------------

    def up(self, exit_stack):
        # The project's own .venv comes along: its tools run from the copy.
        subprocess.run(["cp", "-a", self.source, self.path], check=True)
        shutil.rmtree(self.path / "build", ignore_errors=True)
        image = cached_rootfs(out=self.out)
        self.root = fresh_copy(image, self.work / "root")
        exit_stack.callback(shutil.rmtree, self.root, ignore_errors=True)
        self.network = exit_stack.enter_context(bridge(self.run_id))
        self.namespace = exit_stack.enter_context(
            namespace(self.network, self.run_id, HOST_INDEX)
        )
        self.address = self.namespace.address
        self.stranger = self.network.add_address(STRANGER_INDEX)
        self.scraper = self.network.add_address(SCRAPER_INDEX)
        self.scanner = self.network.add_address(SCANNER_INDEX)
        self.deploy_user = DEPLOY_USER
        # The stand-ins for what the service talks to (mail, error reports)
        # listen on this machine's end of the bridge: the unit's IPAddressDeny
        # is in their way until the deploy opens it.
        self.sink_address = self.network.gateway
        self.acme = exit_stack.enter_context(
            acme_server(
                self.work / "acme", self.network.gateway, self.address, self.http_port
            )
        )
        # Where the host's backups are copied to, over the bridge.
        self.offsite = exit_stack.enter_context(
            rsync_target(self.work, self.network.gateway)
        )
        self._authorize_ssh()
        self.mailbox = None
        if "DJANGO_EMAIL_HOST" in self.project.env_template():
            self.mailbox = exit_stack.enter_context(smtp_sink(self.sink_address))
        self.machine = Machine(
            self.root, f"ps{self.run_id}", self.namespace, self.logs / "host.log"
        )
        exit_stack.callback(self._stop_machine)
        self.machine.boot()
        self.inventory = self._write_inventory()
        # Clients trust what the site serves: pebble's root once certbot ran.
        self.certificate = self.acme.root_ca_file
        self.clients = 0
        self.new_client_address()

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
            self.domain, self.https_port, self.certificate, self.address, source
        )

    @property
    def https_on_host(self):
        """HTTPS from the host itself (127.0.0.1 inside its namespace)."""
        return https_client(
            self.domain, self.https_port, self.certificate, netns=self.namespace.path
        )

    def _authorize_ssh(self):
        self.key = self.work / "ssh" / "id_ed25519"
        self.key.parent.mkdir(mode=0o700)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key],
            check=True,
        )
        ssh_dir = self.root / "root" / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        authorized = ssh_dir / "authorized_keys"
        authorized.write_text(self.key.with_suffix(".pub").read_text())
        authorized.chmod(0o600)
        host_key = (self.root / "etc/ssh/ssh_host_ed25519_key.pub").read_text()
        self.known_hosts = self.work / "ssh" / "known_hosts"
        self.known_hosts.write_text(f"{self.namespace.address} {host_key}")

    def _write_inventory(self):
        ssh_options = (
            f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
            "-o IdentitiesOnly=yes"
        )
        ten_years = 10 * 365 * 86400
        host = {
            "ansible_host": self.address,
            # As the generated inventory has it: the first deploy logs in as
            # root (the key _authorize_ssh put there), every later one as this.
            "ansible_user": DEPLOY_USER,
            "ansible_become": True,
            "ansible_ssh_private_key_file": str(self.key),
            "ansible_ssh_common_args": ssh_options,
            # The host has no route out: its apt index is the image's, however
            # old, and the packages it needs are already in apt's archive.
            "base_apt_cache_valid_time": ten_years,
            "host_apt_cache_valid_time": ten_years,
            # SSH only from an address that is none of this run's: every deploy
            # then proves the playbook lets in the address it comes from
            # (this machine's end of the bridge) and so cannot lock itself out.
            "host_ssh_allow": [UNRELATED_SSH_SOURCE],
            # The optional node exporter, on: proof (a) reads it.
            "base_node_exporter": True,
            "web_acme_server": self.acme.directory,
            "web_acme_ca_bundle": str(self.acme.api_ca_file),
        }
        host["app_ip_address_allow"] = [self.sink_address]
        host["app_backup_ip_address_allow"] = [self.offsite.address]
        host["app_env"] = {
            "BACKUP_COPY_TO": self.offsite.url,
            "BACKUP_SECRETS": "yes",
            "BACKUP_FAILED_COMMAND": BACKUP_ALERT,
        }
        if self.mailbox:
            host["app_env"].update({
                "DJANGO_EMAIL_HOST": self.mailbox.host,
                "DJANGO_EMAIL_PORT": self.mailbox.port,
                "DJANGO_EMAIL_USE_TLS": "false",
            })  # fmt: skip
        inventory = self.work / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {self.domain: host}}}))
        return inventory

    def _stop_machine(self):
        if self.machine.alive():
            self.machine.stop()

    # Actions: they change the host on purpose ------------------------------

    def make(self, target, *args):
        """Run the project's own `make TARGET` against the host."""
        self.runs += 1
        log = self.logs / f"{self.runs:02d}-make-{target}.log"
        return run_make(self.path, target, self.inventory, self.work, log, *args)

    def deploy(self, *args):
        return self.make("deploy", *args)

    def rollback(self):
        return self.make("rollback")

    def reboot(self):
        return self.machine.reboot()

    def backup(self):
        """Run the backup unit now, as its timer would; the seconds it took
        (`systemctl start` of a oneshot unit returns when it is done)."""
        unit = f"{self.slug}-backup.service"
        started = time.perf_counter()
        run = self.run("systemctl", "start", unit, check=False, timeout=300)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            said = self.run(
                "journalctl", "--no-pager", "-o", "cat", "-n", "15", "-u", unit
            )
            raise RuntimeError(f"{unit} failed:\n{said.stdout}")
        return seconds

    def restore(self, backup):
        """`make restore BACKUP=...`: a file here, or a name on the host."""
        return self.make("restore", f"BACKUP={backup}")

    def kill(self):
        return self.machine.kill()

    # Inside the host -----------------------------------------------------

    def run(self, *command, **kwargs):
        return self.machine.run(*command, **kwargs)

    def master_pid(self):
        """The Gunicorn master's pid as the host sees it (0: not running)."""
        shown = self.run(
            "systemctl", "show", "--property=MainPID", "--value", f"{self.slug}.service"
        )
        return int(shown.stdout.strip() or 0)

    def worker_pids(self):
        master = self.master_pid()
        children = self.run(
            "cat", f"/proc/{master}/task/{master}/children", check=False
        )
        return {int(pid) for pid in children.stdout.split()}

    def signal(self, pid, sig=signal.SIGTERM):
        self.run("kill", "-s", signal.Signals(sig).name.removeprefix("SIG"), pid)

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

    def inside(self, path):
        """A path inside the host, as this machine reaches it (through its
        PID 1's root, so it works for what lives in the host's /run too)."""
        return Path(f"/proc/{self.machine.leader()}/root") / str(path).lstrip("/")

    @property
    def direct(self):
        """HTTP straight to Gunicorn's socket, past Nginx."""
        return unix_client(self.inside(f"/run/{self.slug}.sock"), self.domain)

    @property
    def gunicorn_pid(self):
        return self.master_pid()

    @property
    def static_file(self):
        manifest = self.inside(f"{self.deploy_root}/shared/static/staticfiles.json")
        return json.loads(manifest.read_text())["paths"]["admin/css/base.css"]

    @property
    def site_access_log(self):
        return self.inside(f"/var/log/nginx/{self.slug}.access.log")

    def app_log_lines(self):
        """What the service has written to the journal since it last started."""
        invocation = self.run(
            "systemctl", "show", "--property=InvocationID", "--value",
            f"{self.slug}.service",
        ).stdout.strip()  # fmt: skip
        journal = self.run(
            "journalctl", "--output=cat", "--no-pager",
            f"_SYSTEMD_UNIT={self.slug}.service",
            f"_SYSTEMD_INVOCATION_ID={invocation}",
        )  # fmt: skip
        return journal.stdout.splitlines()

    def deploy_path(self, relative):
        return self.inside(f"{self.deploy_root}/{relative}")

    def reload_nginx(self):
        self.run("systemctl", "reload", "nginx")

    def put_python_module(self, name, text):
        """A module the service can import; returns its folder as the host
        sees it (in /run: gone at a reboot)."""
        folder = f"/run/{self.slug}-verify"
        self.inside(folder).mkdir(mode=0o755, exist_ok=True)
        (self.inside(folder) / f"{name}.py").write_text(text)
        return folder

    def restart_gunicorn(self, command=None, settings=None):
        """Restart the service with another command or more environment
        variables (or without what was added before), through a runtime
        drop-in: gone at a reboot, and the deploy's own files stay as they are."""
        self.production_env.update(settings or {})
        unit = f"{self.slug}.service"
        drop_in = self.inside(f"/run/systemd/system/{unit}.d/verify.conf")
        extra = self.inside(f"/run/{self.slug}-verify.env")
        lines = []
        if self.production_env:
            extra.write_text(
                "".join(f"{k}={v}\n" for k, v in self.production_env.items())
            )
            lines.append(f"EnvironmentFile=/run/{self.slug}-verify.env")
        if command is not None:
            lines += ["ExecStart=", "ExecStart=" + shlex.join(map(str, command))]
        if lines:
            drop_in.parent.mkdir(parents=True, exist_ok=True)
            drop_in.write_text("[Service]\n" + "\n".join(lines) + "\n")
        else:
            drop_in.unlink(missing_ok=True)
            extra.unlink(missing_ok=True)
        self.run("systemctl", "daemon-reload")
        self.run("systemctl", "restart", unit)
        return f"{unit} restarted with {sorted(self.production_env)}"

    def sign_in(self):
        return sign_in(self)

    def create_superuser(self, user):
        self.manage(
            "createsuperuser", "--no-input",
            "--username", user.username, "--email", user.email,
            env={"DJANGO_SUPERUSER_PASSWORD": user.password},
        )  # fmt: skip


@contextmanager
def _interrupts_held():
    """Ctrl-C and SIGTERM wait while a host is torn down: half a teardown
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
def host_stack(project, out=print):
    """A fresh host for project; everything it made is gone on exit. The
    logs are kept (and named) only when something failed."""
    work = Path(tempfile.mkdtemp(prefix="prodstack-host-"))
    exit_stack = ExitStack()
    failed = False
    try:
        stack = HostStack(project, work, out)
        stack.up(exit_stack)
        yield stack
    except BaseException:
        failed = True
        raise
    finally:
        with _interrupts_held():
            exit_stack.close()
            end_ssh_masters(work)
            if failed:
                logs = work / "logs"
                keep = Path(tempfile.mkdtemp(prefix="prodstack-host-logs-"))
                if logs.is_dir():
                    shutil.copytree(logs, keep, dirs_exist_ok=True)
                out(f"logs of the host run: {keep}")
            shutil.rmtree(work, ignore_errors=True)
