"""The local stack: a generated project's rendered deploy, brought up on this
machine the way deploy/README.md lays it out on a server.

deploy_root/current -> the project, deploy_root/shared/ for state; the project
installed into its own venv; SQLite, or a throwaway PostgreSQL cluster;
Gunicorn from the systemd unit's ExecStart, handed a socket by
systemd-socket-activate; a private Nginx running the rendered site with a
self-signed certificate. When it is up, the stack hands out what checks
need (clients, pids, paths, the production environment, a signed-in user)
and takes it all down again at the end.

Two stacks of the same project name never meet: each has its socket, its
runtime folder, its Nginx prefix (pid, temp files, logs) and its database
in a work folder of its own, and its Nginx listens on one address
(127.0.0.1 unless told otherwise) at the ports the bake chose.
"""

import json
import os
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from generator.checking import poll
from generator.layout import (
    DeployRootFiles,
    lay_out_deploy_root,
    make_certificate,
    production_env,
    put_file,
    write_env_file,
    write_nginx_conf,
)
from generator.loopback import http_client, https_client, unix_client
from generator.mailbox import smtp_sink
from generator.postgres import postgres_cluster
from generator.processes import Processes, inherited_env
from generator.runner import Step
from generator.socket_gunicorn import SocketGunicorn
from generator.stacks.users import User, signed_in

BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"


class LocalStack(DeployRootFiles):
    # Where the site answers; a host stack has the test host's address.
    address = LOOPBACK
    # Addresses of this machine a client can send from: one the site trusts
    # for nothing, and one a check lists as a metrics scraper.
    stranger = "127.0.0.2"
    scraper = "127.0.0.3"
    # Stand-ins for what the service talks to (mail, error reports) listen
    # on loopback: no systemd here denies other IP traffic.
    sink_address = LOOPBACK

    def __init__(self, project, overrides=None, listen=LOOPBACK):
        self.project = project
        # Extra variables for the service's environment (the benchmark
        # lengthens the access-token lifetime, say).
        self.overrides = overrides or {}
        # The address Nginx listens on ("0.0.0.0": every address).
        self.listen = listen
        self.work = Path(tempfile.mkdtemp(prefix=f"prodstack-verify-{project.slug}-"))
        self.work.chmod(0o755)
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.processes = Processes(self.logs, project.path)
        self.exit_stack = ExitStack()
        self.env = inherited_env()
        self.production_env = {}
        self.user = User.fresh()
        self.database = None
        self.mailbox = None
        self.static_file = None
        self.shared = project.deploy_root / "shared"
        self.python = project.path / ".venv" / "bin" / "python"
        # This stack's own, not the unit's /run/SLUG.sock, which another
        # stack of the same project name would hold.
        self.socket_path = self.work / f"{project.slug}.sock"
        self.nginx_prefix = self.work / "nginx"
        self.certificate = self.shared / "tls" / "fullchain.pem"
        self.https = https_client(project.domain, project.https_port, self.certificate)
        self.http = http_client(project.domain, project.http_port)
        self.direct = unix_client(self.socket_path, project.domain)
        self.runtime_directory = self.work / "run" / project.slug
        self.gunicorn = SocketGunicorn(
            project, self.processes, self.direct, self.socket_path,
            self.runtime_directory,
        )  # fmt: skip
        self.gunicorn_log = self.gunicorn.log
        # What the site logs to /var/log/nginx/ (see the nginx property).
        self.site_access_log = self.logs / f"{project.slug}.access.log"

    # Running things ----------------------------------------------------------

    def run_logged(self, name, command, env=None, cwd=None):
        return self.processes.run(name, command, env or self.env, cwd)

    def manage_logged(self, name, *args, env=None):
        return self.run_logged(name, [self.python, "manage.py", *args], env=env)

    @property
    def nginx(self):
        """Nginx with this stack's main file, which includes the site. It
        runs in a mount namespace of its own where /var/log/nginx, where
        the site writes its access log, is this stack's logs folder."""
        conf = self.nginx_prefix / "nginx.conf"
        return [
            "unshare", "--mount", "--", "sh", "-c",
            'mount --bind "$0" /var/log/nginx && exec "$@"', self.logs,
            "nginx", "-p", self.nginx_prefix, "-c", conf, "-e", "stderr",
        ]  # fmt: skip

    # Bringing it up: each step returns a line saying what it did ------------

    def lay_out(self):
        """deploy_root/current (and next) -> project, shared/, env, keys,
        certificate, Nginx's files."""
        project = self.project
        current = lay_out_deploy_root(project.deploy_root, project.path)
        self.runtime_directory.mkdir(parents=True, mode=0o700)
        self._write_environment()
        key = self.shared / "tls" / "privkey.pem"
        make_certificate(self.run_logged, project.domain, key, self.certificate)
        write_nginx_conf(
            self.nginx_prefix,
            project.deploy / "nginx" / f"{project.slug}.conf",
            project.socket_unit["SocketGroup"][0],
            self.logs,
            self.listen,
        )
        # What the playbook writes on a host that is its own load balancer.
        put_file(
            project.deploy_root / "nginx" / "upstream.conf",
            f"server unix:{self.socket_path} fail_timeout=0;\n",
        )
        return f"{current} -> {project.path}"

    def _write_environment(self):
        """The production env file, as the runbook fills it; password-reset
        mail goes to an SMTP server of the stack's own."""
        if "DJANGO_EMAIL_HOST" in self.project.env_template():
            self.mailbox = self.exit_stack.enter_context(smtp_sink(self.address))
        env = production_env(self.project, self.run_logged, self.mailbox)
        env.update(self.overrides)
        self.production_env = env
        # The service's env file; manage.py reads it as the runbook has it do.
        self.env.update(
            env,
            DJANGO_ENV_FILE=str(write_env_file(self.work / "env", env)),
            RUNTIME_DIRECTORY=str(self.runtime_directory),
        )

    def install(self):
        uv, venv = BIN / "uv", self.project.path / ".venv"
        self.run_logged(
            "venv",
            [uv, "venv", "--quiet", "--allow-existing",
             "--python", sys.executable, venv],
        )  # fmt: skip
        # What `make install` and, where the project has one, `make fuzz` add.
        wanted = ["-e", ".[dev]"]
        if (self.project.path / "fuzz" / "requirements.txt").is_file():
            wanted += ["-r", "fuzz/requirements.txt"]
        self.run_logged(
            "install",
            [uv, "pip", "install", "--quiet", "--python", self.python, *wanted],
        )
        return "uv pip install " + " ".join(wanted)

    def migrate(self):
        if self.project.answers["database"] == "postgresql":
            self.database = self.exit_stack.enter_context(
                postgres_cluster(self.project.slug)
            )
            self.env["DATABASE_URL"] = self.database.url
            detail = f"PostgreSQL at {self.database.url}"
        else:
            detail = self.env["DATABASE_URL"]
        self.manage_logged("migrate", "migrate", "--no-input")
        return detail

    def collect_static(self):
        self.manage_logged("collectstatic", "collectstatic", "--no-input")
        manifest = json.loads(
            (self.shared / "static-manifest" / "staticfiles.json").read_text()
        )
        self.static_file = manifest["paths"]["admin/css/base.css"]
        return f"{len(manifest['paths'])} files, e.g. {self.static_file}"

    def start_gunicorn(self, command=None):
        passed_on = (*self.production_env, "RUNTIME_DIRECTORY")
        return self.gunicorn.start(self.env, passed_on, command)

    def start_nginx(self):
        _, log = self.processes.start(
            "nginx", [*self.nginx, "-g", "daemon off;"], env=self.env
        )
        poll(
            lambda: self.https.get("/api/health/").status == 200,
            "Nginx to proxy /api/health/",
            log=log,
        )
        return f"{self.project.site_url}/ on {self.listen}"

    def sign_in(self):
        return signed_in(self, self.user)

    def create_superuser(self, user):
        self.manage_logged(
            "createsuperuser",
            "createsuperuser", "--no-input",
            "--username", user.username, "--email", user.email,
            env={**self.env, "DJANGO_SUPERUSER_PASSWORD": user.password},
        )  # fmt: skip

    # Handles for checks ---------------------------------------------------

    @property
    def gunicorn_pid(self):
        return self.gunicorn.pid

    def worker_pids(self):
        return self.gunicorn.worker_pids()

    def signal(self, pid, sig):
        os.kill(pid, sig)

    @property
    def https_on_host(self):
        """HTTPS from the serving host itself: here, the stack's own client."""
        return self.https

    def put_python_module(self, name, text):
        """A module Gunicorn can import; returns its folder."""
        (self.work / f"{name}.py").write_text(text)
        return self.work

    def https_from(self, source):
        """An HTTPS client whose requests come from the address `source`."""
        project = self.project
        return https_client(
            project.domain, project.https_port, self.certificate, self.address, source
        )

    def deploy_path(self, relative):
        return self.project.deploy_root / relative

    def reload_nginx(self):
        self.signal(self.processes.running["nginx"].pid, signal.SIGHUP)

    def app_log_lines(self):
        return self.gunicorn.log_lines()

    def stop_gunicorn(self):
        return self.gunicorn.stop()

    def restart_gunicorn(self, command=None, settings=None):
        """Stop Gunicorn and start it again, with another command or other
        settings (None takes one away); the benchmark swaps apps and
        worker settings this way, checks turn features on."""
        self.stop_gunicorn()
        for name, value in (settings or {}).items():
            for env in (self.env, self.production_env):
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        return self.start_gunicorn(command)

    # Taking it down -------------------------------------------------------

    def shut_down(self):
        """Stop Nginx and Gunicorn the way their units would, and the database."""
        self.processes.stop("nginx", signal.SIGQUIT)
        stopped = self.stop_gunicorn()
        self.exit_stack.close()
        return f"Nginx and {stopped} more Gunicorn processes gone, database stopped"

    def clean_up(self, keep_logs):
        """Kill whatever still runs and remove the work folder (kept, with its
        logs, when keep_logs: a failure message names them)."""
        self.processes.kill_all()
        self.exit_stack.close()
        if not keep_logs:
            shutil.rmtree(self.work, ignore_errors=True)


# Steps the runner prints and times; labels are what tests and people read.
PREPARE = (
    Step("layout", LocalStack.lay_out),
    Step("install", LocalStack.install),
    Step("database + migrate", LocalStack.migrate),
)
BOOT = (
    Step("collectstatic", LocalStack.collect_static),
    Step("gunicorn (socket-activated)", LocalStack.start_gunicorn),
    Step("nginx", LocalStack.start_nginx),
    Step("sign in", LocalStack.sign_in),
)
