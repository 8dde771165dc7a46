"""A generated project deployed by its own `make deploy` to three fresh
Debian 12 hosts on one private bridge, as the inventory groups of the
generated playbook lay them out:

    lb    10.x.0.11   Nginx (TLS, static files, the upstream) and PostgreSQL
    app1  10.x.0.12   Gunicorn on private_address:project_app_port
    app2  10.x.0.13   Gunicorn on private_address:project_app_port

    with cluster_stack(project) as cluster:
        cluster.deploy()
        cluster.https.get("/api/health/")      # through the load balancer
        cluster.app1.run("systemctl", "is-active", cluster.slug)

Each host is its own network namespace and nspawn Machine on its own copy
of the cached image (generator/hosts/); one SSH key and one known_hosts
serve all three. pebble validates the site's name against the load
balancer. Everything is torn down on exit, whatever happened.
"""

import json
from contextlib import contextmanager

import yaml

from generator.hosts.host import torn_down
from generator.stacks.deployed import DeployedStack

# Each host's address on the bridge: 10.x.0.INDEX.
LAYOUT = {"lb": 11, "app1": 12, "app2": 13}
# The playbook's groups, and which hosts are in them. The load balancer
# holds the database too: three hosts are as many as 2 cores carry.
GROUPS = {"lb": ("lb",), "db": ("lb",), "app": ("app1", "app2")}


def app_port(project_path):
    """The port app hosts serve on: the playbook's project_app_port."""
    group_vars = project_path / "deploy" / "ansible" / "group_vars" / "all.yml"
    return int(yaml.safe_load(group_vars.read_text())["project_app_port"])


class ClusterStack(DeployedStack):
    """The handles the checks use (self.https goes through the load
    balancer), and each host by name: self.lb, self.app1, self.app2."""

    LAYOUT = LAYOUT
    SITE = "lb"

    def __init__(self, project, work, exit_stack, out=print):
        super().__init__(project, work, exit_stack, out)
        self.lb, self.app1, self.app2 = (self.hosts[name] for name in LAYOUT)
        self.db = self.lb
        self.apps = (self.app1, self.app2)
        self.app_port = app_port(self.path)
        self.inventory = self._write_inventory(self._cluster_inventory())

    def _cluster_inventory(self):
        """The common variables for all, each host's addresses once (in the
        first group that names it), the groups the playbook reads."""
        described = set()
        children = {}
        for group, names in GROUPS.items():
            hosts = {}
            for name in names:
                address = self.hosts[name].address
                first = name not in described
                hosts[name] = (
                    {"ansible_host": address, "private_address": address}
                    if first
                    else {}
                )
                described.add(name)
            children[group] = {"hosts": hosts}
        return {"all": {"vars": self._common_vars(), "children": children}}

    def manage(self, *args, env=None):
        """manage.py of the live release, on the first app host."""
        return self.app1.manage(*args, env=env)

    @property
    def static_file(self):
        """A hashed static file the load balancer serves. Its name is in the
        manifest collectstatic wrote on the app hosts: the manifest is kept
        beside the static files, and only they go to the load balancer."""
        manifest = self.app1.inside(
            f"{self.deploy_root}/shared/static-manifest/staticfiles.json"
        )
        return json.loads(manifest.read_text())["paths"]["admin/css/base.css"]

    @property
    def site_access_log(self):
        """The load balancer's JSON access log (its upstream field says
        which app host answered)."""
        return self.lb.inside(f"/var/log/nginx/{self.slug}.access.log")

    def deploy_path(self, relative):
        """Under the deploy root of the load balancer (static files, the
        ACME path); an app host's is self.app1.inside(...)."""
        return self.lb.inside(f"{self.deploy_root}/{relative}")

    def reload_nginx(self):
        self.lb.run("systemctl", "reload", "nginx")


@contextmanager
def cluster_stack(project, out=print):
    """Three fresh hosts for project; everything they made is gone on exit.
    The logs are kept (and named) only when something failed."""
    with torn_down("cluster", out) as (work, exit_stack):
        yield ClusterStack(project, work, exit_stack, out)
