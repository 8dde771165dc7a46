"""A generated project deployed to a fresh Debian 12 host by its own `make
deploy`, with the handles the checks use.

    with host_stack(project) as stack:
        stack.deploy()             # the first deploy, as a user runs it
        stack.https.get("/api/health/")

The host is an nspawn container on a private bridge (generator/hosts/);
Ansible reaches it over SSH as a user's deploy does, with a key and a
known_hosts file made for this run. A local ACME server (pebble) on the
bridge issues the site's certificate, an rsync daemon there takes the
host's backups, an SMTP server its mail. Everything is torn down on exit,
whatever happened, and the project itself is never changed: the stack
works on a copy.
"""

import json
import shlex
import signal
import time
from contextlib import contextmanager

from generator.checking import StepFailed
from generator.hosts.host import torn_down
from generator.hosts.offsite import rsync_target
from generator.loopback import https_client, unix_client
from generator.mailbox import smtp_sink
from generator.stacks.deployed import DeployedStack

HOST_INDEX = 11  # the host's address on the bridge: 10.x.0.11
# This machine's addresses on the bridge for a client the metrics path
# refuses, and for one a check lists as a metrics scraper.
STRANGER_INDEX, SCRAPER_INDEX = 91, 92
# And one that scans the host's ports (and may not reach its SSH).
SCANNER_INDEX = 93
# What the host runs when a backup fails: the journal of its OnFailure= unit
# then shows that the hook ran, for which unit, and why.
BACKUP_ALERT = "echo backup alert: $MONITOR_UNIT $MONITOR_SERVICE_RESULT"


class HostStack(DeployedStack):
    """The same handles as the local stack (stacks/local.py), so the checks
    run against a host unchanged, and the host's own."""

    LAYOUT = {"host": HOST_INDEX}
    SITE = "host"

    def __init__(self, project, work, exit_stack, out=print):
        super().__init__(project, work, exit_stack, out)
        self.host = self.hosts["host"]
        self.machine, self.root = self.host.machine, self.host.root
        self.namespace = self.host.namespace
        self.gunicorn_log = self.logs / "host.log"
        # Variables a check adds to the service's environment for a while.
        self.production_env = {}
        self.stranger = self.network.add_address(STRANGER_INDEX)
        self.scraper = self.network.add_address(SCRAPER_INDEX)
        self.scanner = self.network.add_address(SCANNER_INDEX)
        # The stand-ins for what the service talks to (mail, error reports)
        # listen on this machine's end of the bridge: the unit's IPAddressDeny
        # is in their way until the deploy opens it.
        self.sink_address = self.network.gateway
        # Where the host's backups are copied to, over the bridge.
        self.offsite = exit_stack.enter_context(
            rsync_target(self.work, self.network.gateway)
        )
        self.mailbox = None
        if "DJANGO_EMAIL_HOST" in self.project.env_template():
            self.mailbox = exit_stack.enter_context(smtp_sink(self.sink_address))
        self.inventory = self._write_inventory(self._host_inventory())

    @property
    def https_on_host(self):
        """HTTPS from the host itself (127.0.0.1 inside its namespace)."""
        return https_client(
            self.domain, self.https_port, self.certificate, netns=self.namespace.path
        )

    def _host_inventory(self):
        host = {"ansible_host": self.address, **self._common_vars()}
        # The optional node exporter, on: a proof reads it.
        host["base_node_exporter"] = True
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
        return {"all": {"hosts": {self.domain: host}}}

    # Actions: they change the host on purpose ------------------------------

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
            raise StepFailed(f"{unit} failed:\n{said.stdout}")
        return seconds

    def restore(self, backup):
        """`make restore BACKUP=...`: a file here, or a name on the host."""
        return self.make("restore", f"BACKUP={backup}")

    def kill(self):
        return self.host.kill()

    # Inside the host -----------------------------------------------------

    def run(self, *command, **kwargs):
        return self.host.run(*command, **kwargs)

    def manage(self, *args, env=None):
        return self.host.manage(*args, env=env)

    def inside(self, path):
        return self.host.inside(path)

    @property
    def gunicorn_pid(self):
        """The Gunicorn master's pid as the host sees it (0: not running)."""
        shown = self.run(
            "systemctl", "show", "--property=MainPID", "--value", f"{self.slug}.service"
        )
        return int(shown.stdout.strip() or 0)

    def worker_pids(self):
        master = self.gunicorn_pid
        children = self.run(
            "cat", f"/proc/{master}/task/{master}/children", check=False
        )
        return {int(pid) for pid in children.stdout.split()}

    def signal(self, pid, sig=signal.SIGTERM):
        self.run("kill", "-s", signal.Signals(sig).name.removeprefix("SIG"), pid)

    @property
    def direct(self):
        """HTTP straight to Gunicorn's socket, past Nginx."""
        return unix_client(self.inside(f"/run/{self.slug}.sock"), self.domain)

    @property
    def static_file(self):
        manifest = self.inside(
            f"{self.deploy_root}/shared/static-manifest/staticfiles.json"
        )
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
        """Restart the service with another command or other environment
        variables (None takes one away again), through a runtime drop-in:
        gone at a reboot, and the deploy's own files stay as they are."""
        for name, value in (settings or {}).items():
            if value is None:
                self.production_env.pop(name, None)
            else:
                self.production_env[name] = value
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


@contextmanager
def host_stack(project, out=print):
    """A fresh host for project; everything it made is gone on exit. The
    logs are kept (and named) only when something failed."""
    with torn_down("host", out) as (work, exit_stack):
        yield HostStack(project, work, exit_stack, out)
