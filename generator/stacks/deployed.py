"""What the stacks of real test hosts share, whether one host does it all
(host.py) or several on one bridge (cluster.py): the hosts of the run, each
a fresh copy of the cached image booted on the run's bridge
(generator/hosts/), the SSH key and known_hosts Ansible uses, a local ACME
server, the inventory variables every host gets, the project's own `make`,
and HTTPS clients to the site from addresses of this machine's on the bridge.

A stack works on a copy of the project: a release changes its code. It is
made inside a teardown (hosts/host.py's torn_down) whose ExitStack takes
down everything it started, whatever happened.
"""

import secrets
import shutil
import subprocess
from functools import partial
from pathlib import Path

import yaml

from generator.hosts.acme import acme_server
from generator.hosts.host import Host, keep_journals, side_by_side
from generator.hosts.make import run_make
from generator.hosts.network import bridge, namespace
from generator.hosts.rootfs import cached_rootfs, fresh_copy
from generator.layout import DeployRootFiles
from generator.loopback import http_client, https_client
from generator.project import Project
from generator.stacks.users import User, signed_in

CLIENT_INDEX = 100  # this machine's client addresses: 10.x.0.101 and up
DEPLOY_USER = "deploy"  # the generated inventory's ansible_user
UNRELATED_SSH_SOURCE = "192.0.2.1"  # TEST-NET-1: no address of this run
TEN_YEARS = 10 * 365 * 86400
# A host shares this machine's 2 cores with the harness and other hosts: a
# password reset (two Argon2 hashes, a mail sent) once took over 10 s
# there. Slow is not wrong; a request loop still reports its longest.
CLIENT_TIMEOUT = 30
# Threads of a request loop that runs while an action changes the hosts.
# The hosts and this machine's clients share 2 cores: a loop of 4 threads
# starves the deploy it watches (a rolling release took 285 s under it, a
# one-host release of the minimal variant 155 s where its first deploy, which
# does much more, took 133 s without a loop).
LOOP_THREADS = 2


class DeployedStack(DeployRootFiles):
    """A generated project deployed by its own `make` to hosts of this run.
    A subclass names its hosts (LAYOUT: name -> address index on the
    bridge) and the one the site answers on (SITE), and writes the
    inventory."""

    LAYOUT = {}
    SITE = ""

    def __init__(self, project, work, exit_stack, out=print):
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
        self.loop_threads = LOOP_THREADS
        self.network = exit_stack.enter_context(bridge(self.run_id))
        self.key = self.work / "ssh" / "id_ed25519"
        self.known_hosts = self.work / "ssh" / "known_hosts"
        self.hosts = self._start_hosts(exit_stack)
        self.address = self.hosts[self.SITE].address
        self.acme = exit_stack.enter_context(
            acme_server(
                self.work / "acme", self.network.gateway, self.address, self.http_port
            )
        )
        # Clients trust what the site serves: pebble's root once certbot ran.
        self.certificate = self.acme.root_ca_file
        self.https = self.http = None
        self.new_client_address()

    def _start_hosts(self, exit_stack):
        """On the bridge, a booted host per name of LAYOUT, each on its own
        copy of the image (copied and booted side by side), the key
        authorized; returns them by name."""
        # The project's own .venv comes along: its tools run from the copy.
        subprocess.run(["cp", "-a", self.source, self.path], check=True)
        shutil.rmtree(self.path / "build", ignore_errors=True)
        self.key.parent.mkdir(mode=0o700)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key],
            check=True,
        )
        image = cached_rootfs(out=self.out)
        roots = {name: self.work / f"root-{name}" for name in self.LAYOUT}
        for root in roots.values():
            exit_stack.callback(shutil.rmtree, root, ignore_errors=True)
        side_by_side(lambda root: fresh_copy(image, root), roots.values())
        hosts = {}
        for name, index in self.LAYOUT.items():
            space = exit_stack.enter_context(
                namespace(self.network, self.run_id, index)
            )
            hosts[name] = Host(
                name, self.run_id, roots[name], space, self.logs / f"{name}.log",
                self.slug, self.deploy_root,
            )  # fmt: skip
        # Powered off side by side: each may wait for its units' stop timeouts.
        exit_stack.callback(side_by_side, Host.stop, hosts.values())
        self.known_hosts.write_text(
            "".join(host.authorize(self.key) for host in hosts.values())
        )
        side_by_side(Host.boot, hosts.values())
        # Runs before the hosts power off (an ExitStack unwinds backwards).
        exit_stack.push(partial(keep_journals, hosts.values(), self.logs))
        return hosts

    def _common_vars(self):
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
            "web_acme_server": self.acme.directory,
            "web_acme_ca_bundle": str(self.acme.api_ca_file),
        }

    def _write_inventory(self, inventory):
        path = self.work / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory))
        return path

    # Clients ------------------------------------------------------------

    def new_client_address(self):
        """Make stack.https and stack.http come from a new address of this
        machine's on the bridge, as a next client would. The sign-in
        throttles (Nginx's and the app's) count per address and per
        minute, and a run signs in more often than one client may."""
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
        return signed_in(self, self.user)

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
