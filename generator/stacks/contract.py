"""What a stack hands the steps that run against it, declared.

Every stack (local, one host, a cluster) is a Stack. What only some stacks
have is a small capability: a journal to read, Gunicorn's master to signal,
a service that can be restarted with other settings, a host that can
reboot. A step names the capabilities it needs with @needs(...), and the
runner runs it only on a stack that has every one of them (provides()),
so no list says by hand which checks apply where.

A stack has a capability when it has each of its members, as an attribute
set in __init__, a method or a property: found without calling anything,
so asking never touches a host.
"""

import inspect
from pathlib import Path
from typing import Any, Protocol

_ABSENT = object()


class Stack(Protocol):
    """A site that answers over HTTPS, and what every check may use."""

    project: Any  # generator.project.Project: answers and rendered files
    address: str  # where the site answers
    certificate: Path  # what its clients trust
    https: Any  # loopback.Client to the site, as a next client would send
    http: Any
    user: Any  # stacks.users.User, made by sign_in()
    static_file: str  # a hashed static file the site serves
    site_access_log: Path  # the site's JSON access log, as this machine reads it

    def sign_in(self) -> str: ...
    def create_superuser(self, user) -> None: ...
    def deploy_path(self, relative) -> Path: ...
    def put_acme_challenge(self, name, text) -> None: ...
    def put_metrics_allow(self, text) -> None: ...
    def reload_nginx(self) -> None: ...


class HasAppSocket(Protocol):
    """HTTP straight to Gunicorn's socket, past Nginx."""

    direct: Any


class HasGunicornMaster(Protocol):
    """The one Gunicorn master behind the site, and its workers."""

    gunicorn_pid: int
    gunicorn_log: Path  # the file whose tail explains a failure

    def worker_pids(self) -> set: ...
    def signal(self, pid, sig) -> None: ...


class HasJournal(Protocol):
    """What the service has written since it last started."""

    gunicorn_log: Path

    def app_log_lines(self) -> list: ...


class CanRestartApp(Protocol):
    """The service restarted with another command or more settings (a
    setting of None takes it away again); modules it can import."""

    production_env: dict

    def restart_gunicorn(self, command=None, settings=None) -> str: ...
    def put_python_module(self, name, text) -> str: ...


class HasClientAddresses(Protocol):
    """Clients from addresses the site treats apart: the serving host
    itself, a stranger, and one a check may list as a metrics scraper."""

    stranger: str
    scraper: str
    https_on_host: Any

    def https_from(self, source) -> Any: ...


class MakesNewClients(Protocol):
    """A new client address for stack.https and stack.http: the sign-in
    limits count per address, and a run signs in more than one client may."""

    def new_client_address(self) -> str: ...


class HasMailbox(Protocol):
    mailbox: Any  # generator.mailbox.Mailbox, or None: no mail configured


class HasSinks(Protocol):
    """Where stand-ins for what the service talks to (Sentry) may listen."""

    sink_address: str


class HasDatabaseServer(Protocol):
    database: Any  # generator.postgres.Cluster, or None for SQLite


class CanStopApp(Protocol):
    def stop_gunicorn(self) -> int: ...


class HasLocalProject(Protocol):
    """The project installed on this machine: its tools run here, each
    with a log of its own."""

    python: Path
    env: dict
    logs: Path
    nginx: list  # the command that runs this stack's Nginx
    nginx_prefix: Path

    def run_logged(self, name, command, env=None, cwd=None) -> str: ...
    def manage_logged(self, name, *args, env=None) -> str: ...


class CanDeploy(Protocol):
    """Hosts of this run that the project's own `make` deploys to, from a
    copy of the project (a release changes its code)."""

    path: Path
    slug: str
    loop_threads: int  # threads of a request loop beside a deploy

    def deploy(self, *args) -> Any: ...
    def rollback(self) -> Any: ...


class HasHostShell(Protocol):
    """One host's commands and files, as root inside it."""

    slug: str
    deploy_root: str
    machine: Any  # generator.hosts.machine.Machine

    def run(self, *command, **options) -> Any: ...
    def inside(self, path) -> Path: ...
    def manage(self, *args, env=None) -> Any: ...


class CanReboot(Protocol):
    def reboot(self) -> str: ...


class CanBackUp(Protocol):
    offsite: Any  # generator.hosts.offsite.Offsite

    def backup(self) -> float: ...
    def restore(self, backup) -> Any: ...


class HasHostNetwork(Protocol):
    """The host's bridge, an address that scans it, and the SSH key and
    known_hosts the deploys use."""

    network: Any
    scanner: str
    key: Path
    known_hosts: Path
    deploy_user: str
    acme: Any


class IsCluster(Protocol):
    """A load balancer (with the database) and app hosts, by name."""

    lb: Any
    app1: Any
    app2: Any
    apps: tuple
    hosts: dict
    app_port: int


def members(protocol):
    """The names a protocol declares: annotations, methods, properties."""
    names = set()
    for klass in protocol.__mro__:
        if klass in (Protocol, object) or not getattr(klass, "_is_protocol", False):
            continue
        names |= set(getattr(klass, "__annotations__", {}))
        names |= {name for name in vars(klass) if not name.startswith("_")}
    return names


def provides(stack, capability):
    """Whether stack has every member of capability (looked up without
    calling a property: a host need not be up to be asked)."""
    return all(
        inspect.getattr_static(stack, name, _ABSENT) is not _ABSENT
        for name in members(capability)
    )


def needs(*capabilities):
    """Mark a step with the capabilities beyond Stack it needs."""

    def mark(step):
        step.needs = capabilities
        return step

    return mark


def missing(stack, step):
    """The names of the capabilities step needs that stack lacks."""
    wanted = (Stack, *getattr(step, "needs", ()))
    return [c.__name__ for c in wanted if not provides(stack, c)]
