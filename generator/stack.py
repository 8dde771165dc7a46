"""The local stack: a generated project's rendered deploy, brought up on this
machine the way deploy/README.md lays it out on a server.

deploy_root/current -> the project, deploy_root/shared/ for state; the project
installed into its own venv; SQLite, or a throwaway PostgreSQL cluster;
Gunicorn from the systemd unit's ExecStart, handed the socket unit's
ListenStream by systemd-socket-activate; a private Nginx running the rendered
site with a self-signed certificate. When it is up, the stack hands out what
checks need (clients, pids, paths, the production environment, a signed-in
user) and takes it all down again at the end.
"""

import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from generator.layout import (
    DeployRootFiles,
    fill_secrets,
    make_certificate,
    make_key_pair,
    put_file,
    write_nginx_conf,
)
from generator.loopback import http_client, https_client, unix_client
from generator.mailbox import smtp_sink
from generator.postgres import postgres_cluster
from generator.processes import Processes, StepFailed, check, inherited_env, wait_for
from generator.socket_gunicorn import SocketGunicorn

BIN = Path(sys.executable).parent


@dataclass
class User:
    """The stack's signed-in user; each run makes its own, so a stack can come
    up again on the same database."""

    username: str
    email: str
    password: str
    access: str = ""
    refresh: str = ""
    made: bool = False

    @classmethod
    def fresh(cls):
        name = f"verify_{secrets.token_hex(4)}"
        return cls(name, f"{name}@example.com", secrets.token_urlsafe(16))

    @property
    def credentials(self):
        return {"username": self.username, "password": self.password}


def sign_in(stack):
    """Make the stack's user once (sign-up, or createsuperuser where the
    project has none) and sign it in through Nginx."""
    user = stack.user
    if not user.made:
        if stack.project.answers["allow_registration"]:
            response = stack.https.post(
                "/api/auth/register/",
                {"username": user.username, "email": user.email,
                 "password": user.password},
            )  # fmt: skip
            check(
                response.status == 201,
                f"register answered {response.status}: {response.body[:200]}",
            )
        else:
            stack.create_superuser(user)
        user.made = True
    response = stack.https.post("/api/auth/token/", user.credentials)
    check(
        response.status == 200,
        f"token answered {response.status}: {response.body[:200]}",
    )
    tokens = response.json()
    user.access, user.refresh = tokens["access"], tokens["refresh"]
    return f"{user.username} signed in"


class LocalStack(DeployRootFiles):
    # Where the site answers; a host stack has the test host's address.
    address = "127.0.0.1"
    # Addresses of this machine a client can send from: one the site trusts
    # for nothing, and one a check lists as a metrics scraper.
    stranger = "127.0.0.2"
    scraper = "127.0.0.3"
    # Stand-ins for what the service talks to (mail, error reports) listen
    # on loopback: no systemd here denies other IP traffic.
    sink_address = "127.0.0.1"

    def __init__(self, project, overrides=None):
        self.project = project
        # Extra variables for the service's environment (the benchmark
        # lengthens the access-token lifetime, say).
        self.overrides = overrides or {}
        self.work = Path(tempfile.mkdtemp(prefix=f"prodstack-verify-{project.slug}-"))
        self.work.chmod(0o755)
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.processes = Processes(self.logs, project.path)
        self.exit_stack = ExitStack()
        self.env = inherited_env()
        self.user = User.fresh()
        self.database = None
        self.mailbox = None
        self.shared = project.deploy_root / "shared"
        self.python = project.path / ".venv" / "bin" / "python"
        self.socket_path = Path(project.socket_unit["ListenStream"][0])
        self.nginx_prefix = self.work / "nginx"
        self.certificate = self.shared / "tls" / "fullchain.pem"
        self.https = https_client(project.domain, project.https_port, self.certificate)
        self.http = http_client(project.domain, project.http_port)
        self.direct = unix_client(self.socket_path, project.domain)
        self.runtime_directory = self.work / "run" / project.slug
        self.gunicorn = SocketGunicorn(
            project, self.processes, self.direct, self.runtime_directory
        )
        self.gunicorn_log = self.gunicorn.log
        # What the site logs to /var/log/nginx/ (see the nginx property).
        self.site_access_log = self.logs / f"{project.slug}.access.log"

    # Running things ----------------------------------------------------------

    def run(self, name, command, env=None, cwd=None):
        return self.processes.run(name, command, env or self.env, cwd)

    def manage(self, name, *args, env=None):
        return self.run(name, [self.python, "manage.py", *args], env=env)

    @property
    def nginx(self):
        """Nginx with this stack's main file, which includes the rendered site.
        It runs in a mount namespace of its own where /var/log/nginx, where
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
        certificate."""
        project = self.project
        current = project.deploy_root / "current"
        if current.exists() and not current.is_symlink():
            raise StepFailed(
                f"{current} exists and is not a symlink: pick another deploy_root"
            )
        for folder in ("static", "acme", "tls", "keys"):
            (self.shared / folder).mkdir(parents=True, exist_ok=True)
        for path in (project.deploy_root, self.shared):
            path.chmod(0o755)
        self.runtime_directory.mkdir(parents=True, mode=0o700)
        # `next` is the release a deploy proves before the switch (the gate
        # unit runs it); here both are the project.
        for link in (current, project.deploy_root / "next"):
            if link.is_symlink():
                link.unlink()
            link.symlink_to(project.path)

        env = project.env_template()
        fill_secrets(env)
        if "JWT_PRIVATE_KEY_FILE" in env:
            make_key_pair(
                self.run, env["JWT_PRIVATE_KEY_FILE"], env["JWT_PUBLIC_KEY_FILE"]
            )
        if "DJANGO_EMAIL_HOST" in env:
            # Password-reset mail goes to an SMTP server of the stack's own.
            self.mailbox = self.exit_stack.enter_context(smtp_sink(self.address))
            env["DJANGO_EMAIL_HOST"] = self.mailbox.host
            env["DJANGO_EMAIL_PORT"] = str(self.mailbox.port)
            env["DJANGO_EMAIL_USE_TLS"] = "false"
        env.update(self.overrides)
        missing = [key for key, value in env.items() if not value]
        check(not missing, f"deploy/env.example leaves {missing} without a value")
        self.production_env = env
        # The service's env file; manage.py reads it as the runbook has it do.
        env_file = self.work / "env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        env_file.chmod(0o600)
        self.env.update(
            env,
            DJANGO_ENV_FILE=str(env_file),
            RUNTIME_DIRECTORY=str(self.runtime_directory),
        )

        key = self.shared / "tls" / "privkey.pem"
        make_certificate(self.run, project.domain, key, self.certificate)
        write_nginx_conf(
            self.nginx_prefix,
            project.deploy / "nginx" / f"{project.slug}.conf",
            project.socket_unit["SocketGroup"][0],
            self.logs,
        )
        # What the playbook writes on a host that is its own load balancer.
        put_file(
            project.deploy_root / "nginx" / "upstream.conf",
            f"server unix:{self.socket_path} fail_timeout=0;\n",
        )
        return f"{current} -> {project.path}"

    def install(self):
        uv, venv = BIN / "uv", self.project.path / ".venv"
        self.run(
            "venv",
            [uv, "venv", "--quiet", "--allow-existing",
             "--python", sys.executable, venv],
        )  # fmt: skip
        # What `make install` and, where the project has one, `make fuzz` add.
        wanted = ["-e", ".[dev]"]
        if (self.project.path / "fuzz" / "requirements.txt").is_file():
            wanted += ["-r", "fuzz/requirements.txt"]
        self.run(
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
        self.manage("migrate", "migrate", "--no-input")
        return detail

    def collect_static(self):
        self.manage("collectstatic", "collectstatic", "--no-input")
        manifest = json.loads((self.shared / "static" / "staticfiles.json").read_text())
        self.static_file = manifest["paths"]["admin/css/base.css"]
        return f"{len(manifest['paths'])} files, e.g. {self.static_file}"

    def start_gunicorn(self, command=None):
        passed_on = (*self.production_env, "RUNTIME_DIRECTORY")
        return self.gunicorn.start(self.env, passed_on, command)

    def start_nginx(self):
        _, log = self.processes.start(
            "nginx", [*self.nginx, "-g", "daemon off;"], env=self.env
        )
        wait_for(
            lambda: self.https.get("/api/health/").status == 200,
            "Nginx to proxy /api/health/",
            log=log,
        )
        return f"{self.project.site_url}/ on 127.0.0.1"

    def sign_in(self):
        return sign_in(self)

    def create_superuser(self, user):
        self.manage(
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

    def ready_workers(self):
        return self.gunicorn.ready_workers()

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
        """Stop Gunicorn and start it again, with another command or more
        environment variables (the benchmark swaps apps and worker settings)."""
        self.stop_gunicorn()
        for name, value in (settings or {}).items():
            self.env[name] = self.production_env[name] = value
        return self.start_gunicorn(command)

    # Taking it down -------------------------------------------------------

    def shut_down(self):
        """Stop Nginx and Gunicorn the way their units would, and the database."""
        self.processes.stop("nginx", signal.SIGQUIT)
        stopped = self.stop_gunicorn()
        self.socket_path.unlink(missing_ok=True)
        self.exit_stack.close()
        return f"Nginx and {stopped} more Gunicorn processes gone, database stopped"

    def clean_up(self, keep_logs):
        """Kill whatever still runs and remove the work folder (kept, with its
        logs, when keep_logs: a failure message names them)."""
        self.processes.kill_all()
        self.socket_path.unlink(missing_ok=True)
        self.exit_stack.close()
        if not keep_logs:
            shutil.rmtree(self.work, ignore_errors=True)

    # Steps the runner prints and times; labels are what tests and people read.
    PREPARE = (
        ("layout", lay_out),
        ("install", install),
        ("database + migrate", migrate),
    )
    BOOT = (
        ("collectstatic", collect_static),
        ("gunicorn (socket-activated)", start_gunicorn),
        ("nginx", start_nginx),
        ("sign in", sign_in),
    )
