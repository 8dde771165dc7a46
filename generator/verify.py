"""Prove one generated project end to end, with the deploy files as rendered.

The project is laid out the way deploy/README.md lays it out on a server
(deploy_root/current -> the project, deploy_root/shared/ for state), then
installed, checked, tested, and booted: Gunicorn from the systemd unit's
ExecStart, handed the socket unit's ListenStream by systemd-socket-activate,
behind a private Nginx running the rendered site with a self-signed
certificate. Each step prints PASS or FAIL with its time; the first failure
prints what to look at and stops.
"""

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.loopback import http_client, https_client, unix_client
from generator.postgres import postgres_cluster

BIN = Path(sys.executable).parent
START_DEADLINE = 30
STOP_DEADLINE = 40
# Exposure scores systemd-analyze prints: 0 (locked down) to 10 (exposed).
MAX_EXPOSURE = 2.0
RELOAD_LOOP_LIMIT = (3000, 30.0)  # requests, seconds: the loop stops at either
RATE_LIMIT_PROBES = 20
SCHEMATHESIS = "schemathesis==4.32.5"
SCHEMATHESIS_EXAMPLES = 25
# Nginx must answer at once when Gunicorn is gone, not after a proxy timeout.
UPSTREAM_DOWN_LIMIT = 5.0


class StepFailed(Exception):
    """A step's check did not hold. `log` names the file whose tail helps."""

    def __init__(self, message, log=None):
        super().__init__(message)
        self.log = log


def check(condition, message, log=None):
    if not condition:
        raise StepFailed(message, log)


def wait_for(probe, what, deadline=START_DEADLINE, log=None):
    """Poll probe() until it returns a true value, or fail after deadline s."""
    end = time.monotonic() + deadline
    last_error = None
    while time.monotonic() < end:
        try:
            result = probe()
            if result:
                return result
        except OSError as error:
            last_error = error
        time.sleep(0.05)
    raise StepFailed(f"{what} within {deadline}s (last error: {last_error})", log)


def read_unit(path):
    """A systemd unit as {key: [values]}; sections do not matter here."""
    values = {}
    for line in Path(path).read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not line.startswith(("#", ";", "[")):
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def read_env_template(path):
    """KEY=VALUE lines of deploy/env.example, blanks included."""
    env = {}
    for line in Path(path).read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not line.startswith("#"):
            env[key.strip()] = value.strip()
    return env


def inherited_env():
    """The caller's environment (proxies, CA bundles, caches) without anything
    that would configure the project behind verify's back."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JWT_", "GUNICORN_"))
        and key not in ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH")
    }


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Verifier:
    project: Path
    serve: bool = False
    out: callable = print
    # Extra variables for the service's environment (the benchmark lengthens
    # the access-token lifetime, say).
    overrides: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)

    def __post_init__(self):
        self.project = Path(self.project).resolve()
        record = self.project / ".cruft.json"
        if not record.is_file():
            raise SystemExit(
                f"{record} is missing: verify reads the answers a project was "
                "baked with from it. Bake the project with this template."
            )
        self.answers = json.loads(record.read_text())["context"]["cookiecutter"]
        self.slug = self.answers["project_slug"]
        self.domain = self.answers["domain_name"]
        self.http_port = int(self.answers["http_port"])
        self.https_port = int(self.answers["https_port"])
        self.deploy_root = Path(self.answers["deploy_root"])
        self.shared = self.deploy_root / "shared"
        self.deploy = self.project / "deploy"
        self.service = read_unit(self.deploy / "systemd" / f"{self.slug}.service")
        self.socket_unit = read_unit(self.deploy / "systemd" / f"{self.slug}.socket")
        self.socket_path = Path(self.socket_unit["ListenStream"][0])
        self.python = self.project / ".venv" / "bin" / "python"
        self.work = Path(tempfile.mkdtemp(prefix=f"prodstack-verify-{self.slug}-"))
        self.work.chmod(0o755)
        self.logs = self.work / "logs"
        self.logs.mkdir()
        # A user of its own per run, so verify can run again on the same database.
        run_id = secrets.token_hex(4)
        self.user = {
            "username": f"verify_{run_id}",
            "email": f"verify_{run_id}@example.com",
            "password": secrets.token_urlsafe(16),
        }

    # Running commands and processes -------------------------------------

    def run(self, name, command, env=None, cwd=None):
        """Run a command to completion; its output goes to logs/NAME.log."""
        log = self.logs / f"{name}.log"
        with log.open("w") as output:
            result = subprocess.run(
                [str(part) for part in command],
                cwd=cwd or self.project,
                env=env or self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        check(result.returncode == 0, f"{name} exited {result.returncode}", log)
        return log.read_text()

    def start(self, name, command, env=None, cwd=None):
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd or self.project,
            env=env or self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process, log

    def stop(self, name, sig=signal.SIGTERM):
        """Signal a process and wait for it and its whole session to end."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise StepFailed(
                f"{name} ignored {sig.name} for {STOP_DEADLINE}s"
            ) from None

    def manage(self, name, *args, env=None):
        return self.run(name, [self.python, "manage.py", *args], env=env)

    # Steps ---------------------------------------------------------------

    def step_layout(self):
        """deploy_root/current -> project, shared/ folders, env, keys, certificate."""
        current = self.deploy_root / "current"
        if current.exists() and not current.is_symlink():
            raise StepFailed(
                f"{current} exists and is not a symlink: pick another deploy_root"
            )
        for folder in ("static", "acme", "tls", "keys"):
            (self.shared / folder).mkdir(parents=True, exist_ok=True)
        for path in (self.deploy_root, self.shared):
            path.chmod(0o755)
        if current.is_symlink():
            current.unlink()
        current.symlink_to(self.project)

        env = read_env_template(self.deploy / "env.example")
        env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        if "JWT_SIGNING_KEY" in env:
            env["JWT_SIGNING_KEY"] = secrets.token_urlsafe(48)
        for variable in ("JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEY_FILE"):
            if variable in env:
                source = self.project / "keys" / Path(env[variable]).name
                shutil.copy2(source, env[variable])
                Path(env[variable]).chmod(0o600)
        env.update(self.overrides)
        missing = [key for key, value in env.items() if not value]
        check(not missing, f"deploy/env.example leaves {missing} without a value")
        self.production_env = env
        # The service's env file; manage.py reads it as the runbook has it do.
        env_file = self.work / "env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        env_file.chmod(0o600)
        self.env = {**inherited_env(), **env, "DJANGO_ENV_FILE": str(env_file)}

        certificate, key = (
            self.shared / "tls" / "fullchain.pem",
            self.shared / "tls" / "privkey.pem",
        )
        self.run(
            "certificate",
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                f"/CN={self.domain}",
                "-addext",
                f"subjectAltName=DNS:{self.domain}",
                "-keyout",
                key,
                "-out",
                certificate,
            ],
        )
        self.certificate = certificate
        return f"{current} -> {self.project}"

    def step_install(self):
        uv = BIN / "uv"
        self.run(
            "venv",
            [
                uv,
                "venv",
                "--quiet",
                "--allow-existing",
                "--python",
                sys.executable,
                self.project / ".venv",
            ],
        )
        self.run(
            "install",
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                self.python,
                "-e",
                f"{self.project}[dev]",
            ],
        )
        return "uv venv + pip install -e .[dev]"

    def step_ruff(self):
        ruff = self.project / ".venv" / "bin" / "ruff"
        self.run("ruff-check", [ruff, "check", "--no-cache", "."])
        self.run("ruff-format", [ruff, "format", "--check", "--no-cache", "."])
        return "check and format clean"

    def step_check_deploy(self):
        output = self.manage(
            "check-deploy", "check", "--deploy", "--fail-level", "WARNING"
        )
        check(
            "no issues" in output,
            "check --deploy reported issues",
            self.logs / "check-deploy.log",
        )
        return "zero warnings"

    def step_database(self):
        self.database = None
        if self.answers["database"] == "postgresql":
            self.database = self.exit_stack.enter_context(postgres_cluster(self.slug))
            self.env["DATABASE_URL"] = self.database.url
            detail = f"PostgreSQL at {self.database.url}"
        else:
            detail = self.env["DATABASE_URL"]
        self.manage("migrate", "migrate", "--no-input")
        return detail

    def step_project_tests(self):
        env = {k: v for k, v in self.env.items() if k != "DJANGO_SETTINGS_MODULE"}
        env["DJANGO_ENV_FILE"] = ""
        output = self.run(
            "project-tests",
            [self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            env=env,
        )
        summary = output.strip().splitlines()[-1]
        check("skipped" not in summary, f"project tests skipped some: {summary}")
        return summary.strip("= ")

    def step_collectstatic(self):
        self.manage("collectstatic", "collectstatic", "--no-input")
        manifest = json.loads((self.shared / "static" / "staticfiles.json").read_text())
        self.static_file = manifest["paths"]["admin/css/base.css"]
        return f"{len(manifest['paths'])} files, e.g. {self.static_file}"

    def step_gunicorn_config(self):
        command = shlex.split(self.service["ExecStart"][0])
        self.run(
            "gunicorn-check-config", [*command[:-1], "--check-config", command[-1]]
        )
        return "gunicorn --check-config"

    def step_units(self):
        units = sorted((self.deploy / "systemd").iterdir())
        result = subprocess.run(
            ["systemd-analyze", "verify", *map(str, units)],
            capture_output=True,
            text=True,
            check=False,
        )
        # verify exits 0 even on unknown keys: any output is a finding.
        findings = (result.stdout + result.stderr).strip()
        check(
            result.returncode == 0 and not findings,
            f"systemd-analyze verify: {findings}",
        )
        scores = []
        for unit in units:
            if unit.suffix != ".service":
                continue
            result = subprocess.run(
                ["systemd-analyze", "security", "--offline=yes", str(unit)],
                capture_output=True,
                text=True,
                check=False,
            )
            match = re.search(
                r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout
            )
            check(match, f"no exposure score for {unit.name}: {result.stderr.strip()}")
            score = float(match.group(1))
            check(
                score <= MAX_EXPOSURE,
                f"{unit.name} exposure {score} is above {MAX_EXPOSURE}",
            )
            scores.append(f"{unit.name} {score} {match.group(2)}")
        return f"{len(units)} units verified; exposure: " + ", ".join(scores)

    def step_nginx_config(self):
        prefix = self.work / "nginx"
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "temp" / temp).mkdir(parents=True, exist_ok=True)
        site = self.deploy / "nginx" / f"{self.slug}.conf"
        group = self.socket_unit["SocketGroup"][0]
        # Verify's own main file, as Debian's nginx.conf would be; the site is
        # included exactly as rendered.
        (prefix / "nginx.conf").write_text(
            f"user www-data {group};\n"
            "worker_processes 1;\n"
            f"pid {prefix}/nginx.pid;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            f"    access_log {self.logs}/nginx-access.log;\n"
            + "".join(
                f"    {t}_temp_path {prefix}/temp/{t};\n"
                for t in ("fastcgi", "uwsgi", "scgi", "proxy")
            )
            + f"    client_body_temp_path {prefix}/temp/body;\n"
            f"    include {site};\n"
            "}\n"
        )
        self.nginx = [
            "nginx",
            "-p",
            prefix,
            "-c",
            prefix / "nginx.conf",
            "-e",
            "stderr",
        ]
        self.run("nginx-test", [*self.nginx, "-t"])
        gixy = subprocess.run(
            [BIN / "gixy", prefix / "nginx.conf"],
            capture_output=True,
            text=True,
            check=False,
        )
        (self.logs / "gixy.log").write_text(gixy.stdout + gixy.stderr)
        check(
            gixy.returncode == 0 and "No issues found" in gixy.stdout,
            "gixy found issues",
            self.logs / "gixy.log",
        )
        return "nginx -t ok, gixy: no issues"

    def step_gunicorn(self):
        self.start_socket_gunicorn(shlex.split(self.service["ExecStart"][0]))
        workers = len(self.worker_pids())
        return f"pid {self.gunicorn_pid}, {workers} workers on {self.socket_path}"

    def start_socket_gunicorn(self, command):
        """Start command (the unit's ExecStart, or a variation of it) as the
        socket unit would, and wait until it answers."""
        if self.socket_path.is_socket():
            self.socket_path.unlink()
        cwd = self.service["WorkingDirectory"][0]
        # Like EnvironmentFile=, the service gets the env file's variables and
        # nothing else of ours; -E NAME takes the value from our environment.
        passed_on = [f"--setenv={name}" for name in self.production_env]
        process, log = self.start(
            "gunicorn",
            [
                "systemd-socket-activate",
                "-l",
                self.socket_path,
                *passed_on,
                "--",
                *command,
            ],
            cwd=cwd,
        )
        self.gunicorn_log = log
        wait_for(self.socket_path.is_socket, "the socket to appear", log=log)
        # What systemd does for the .socket unit's SocketGroup and SocketMode.
        shutil.chown(self.socket_path, group=self.socket_unit["SocketGroup"][0])
        self.socket_path.chmod(int(self.socket_unit["SocketMode"][0], 8))
        self.direct = unix_client(self.socket_path, self.domain)
        forwarded = {"X-Forwarded-Proto": "https"}
        wait_for(
            lambda: self.direct.get("/api/health/", headers=forwarded).status == 200,
            "Gunicorn to answer /api/health/",
            log=log,
        )
        check(
            f"Listening at: unix:{self.socket_path}" in log.read_text(),
            "Gunicorn did not take the socket",
            log,
        )
        self.gunicorn_pid = process.pid

    def worker_pids(self):
        children = Path(f"/proc/{self.gunicorn_pid}/task/{self.gunicorn_pid}/children")
        return set(children.read_text().split())

    def step_nginx(self):
        _, log = self.start("nginx", [*self.nginx, "-g", "daemon off;"])
        self.nginx_log = log
        self.https = https_client(self.domain, self.https_port, self.certificate)
        wait_for(
            lambda: self.https.get("/api/health/").status == 200,
            "Nginx to proxy /api/health/",
            log=log,
        )
        return f"https://{self.domain}:{self.https_port}/ on 127.0.0.1"

    def step_jwt_flow(self):
        https = self.https
        if self.answers["allow_registration"]:
            response = https.post("/api/auth/register/", self.user)
            check(
                response.status == 201,
                f"register answered {response.status}: {response.body[:200]}",
            )
        else:
            env = {**self.env, "DJANGO_SUPERUSER_PASSWORD": self.user["password"]}
            self.manage(
                "createsuperuser",
                "createsuperuser",
                "--no-input",
                "--username",
                self.user["username"],
                "--email",
                self.user["email"],
                env=env,
            )
        credentials = {k: self.user[k] for k in ("username", "password")}
        response = https.post("/api/auth/token/", credentials)
        check(
            response.status == 200,
            f"token answered {response.status}: {response.body[:200]}",
        )
        first = response.json()

        check(
            https.get("/api/auth/me/").status == 401, "me/ without a token was not 401"
        )
        me = https.get("/api/auth/me/", token=first["access"])
        check(
            me.status == 200 and me.json()["username"] == self.user["username"],
            f"me/ answered {me.status}",
        )

        rotated = https.post("/api/auth/token/refresh/", {"refresh": first["refresh"]})
        check(rotated.status == 200, f"refresh answered {rotated.status}")
        second = rotated.json()
        check(
            second["refresh"] != first["refresh"],
            "refresh did not rotate the refresh token",
        )
        reused = https.post("/api/auth/token/refresh/", {"refresh": first["refresh"]})
        check(
            reused.status == 401,
            f"a rotated refresh token worked again ({reused.status})",
        )
        # Reuse means the token leaked: the whole family is revoked.
        family = https.post("/api/auth/token/refresh/", {"refresh": second["refresh"]})
        check(
            family.status == 401,
            f"reuse left the newest refresh token working ({family.status})",
        )

        third = https.post("/api/auth/token/", credentials)
        check(third.status == 200, f"signing in again answered {third.status}")
        third = third.json()
        verify = https.post("/api/auth/token/verify/", {"token": third["access"]})
        check(verify.status == 200, f"verify answered {verify.status}")
        if self.answers["example_api"]:
            created = https.post(
                "/api/notes/", {"title": "verify"}, token=third["access"]
            )
            check(created.status == 201, f"creating a note answered {created.status}")
            listed = https.get("/api/notes/", token=third["access"]).json()
            check(listed["count"] == 1, f"the note list holds {listed['count']} notes")

        logout = https.post("/api/auth/logout/", {"refresh": third["refresh"]})
        check(logout.status == 204, f"logout answered {logout.status}")
        after = https.post("/api/auth/token/refresh/", {"refresh": third["refresh"]})
        check(
            after.status == 401, f"a logged-out refresh token worked ({after.status})"
        )
        # Access tokens outlive logout by design (minutes); later steps use one.
        self.access = third["access"]
        return "sign-in, me, rotation, reuse revokes the family, logout, refused after"

    def step_edges(self):
        """Redirect, ACME path, unknown hosts, and the response headers."""
        plain = http_client(self.domain, self.http_port)
        redirect = plain.get("/api/health/?x=1")
        port = "" if self.https_port == 443 else f":{self.https_port}"
        expected = f"https://{self.domain}{port}/api/health/?x=1"
        check(
            redirect.status == 301 and redirect.headers["Location"] == expected,
            f"HTTP answered {redirect.status} {redirect.headers['Location']}",
        )

        challenge = (
            self.shared / "acme" / ".well-known" / "acme-challenge" / "verify-token"
        )
        challenge.parent.mkdir(parents=True, exist_ok=True)
        challenge.write_text("acme-ok")
        acme = plain.get("/.well-known/acme-challenge/verify-token")
        check(
            acme.status == 200 and acme.body == b"acme-ok",
            f"ACME path answered {acme.status}",
        )

        for name, client in (
            ("HTTP", http_client("unknown.example", self.http_port)),
            (
                "HTTPS",
                https_client("unknown.example", self.https_port, self.certificate),
            ),
        ):
            try:
                stray = client.get("/").status
            except OSError:  # connection closed (444) or handshake refused
                stray = None
            check(stray is None, f"{name} to an unknown host name answered {stray}")

        response = self.https.get("/api/health/")
        hsts = response.header_values("Strict-Transport-Security")
        check(len(hsts) == 1 and "max-age=31536000" in hsts[0], f"HSTS headers: {hsts}")
        for name, value in (
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
        ):
            check(
                response.header_values(name) == [value],
                f"{name}: {response.header_values(name)}",
            )
        check(
            response.headers["Server"] == "nginx",
            f"Server header: {response.headers['Server']}",
        )
        return "301 to HTTPS, ACME served, unknown hosts dropped, one of each header"

    def step_static(self):
        path = f"/static/{self.static_file}"
        gzip = {"Accept-Encoding": "gzip"}
        by_nginx = self.https.get(path, headers=gzip)
        check(by_nginx.status == 200, f"Nginx answered {by_nginx.status} for {path}")
        check(
            "immutable" in by_nginx.headers["Cache-Control"],
            f"Cache-Control: {by_nginx.headers['Cache-Control']}",
        )
        check(
            by_nginx.headers["Content-Encoding"] == "gzip",
            "Nginx did not serve the precompressed file",
        )
        check(
            len(by_nginx.header_values("Strict-Transport-Security")) == 1,
            "static file lacks HSTS",
        )
        forwarded = {**gzip, "X-Forwarded-Proto": "https"}
        by_whitenoise = self.direct.get(path, headers=forwarded)
        check(
            by_whitenoise.status == 200, f"WhiteNoise answered {by_whitenoise.status}"
        )
        check(
            by_whitenoise.headers["Content-Encoding"] == "gzip",
            "WhiteNoise did not compress",
        )
        check(
            "immutable" in by_whitenoise.headers["Cache-Control"],
            "WhiteNoise did not cache forever",
        )
        return f"{path}: Nginx gzip_static + immutable; WhiteNoise gzip + immutable"

    def step_rate_limit(self):
        wrong = {"username": "nobody", "password": "wrong"}
        for attempt in range(1, RATE_LIMIT_PROBES + 1):
            response = self.https.post("/api/auth/token/", wrong)
            if response.status == 429:
                check(
                    response.json() == {"detail": "Too many requests."},
                    f"429 came from Django, not Nginx: {response.body}",
                )
                return f"Nginx answered 429 (JSON) at attempt {attempt}"
            check(
                response.status == 401, f"wrong credentials answered {response.status}"
            )
        raise StepFailed(f"no 429 after {RATE_LIMIT_PROBES} quick token requests")

    def step_schemathesis(self):
        """The project against its own OpenAPI schema, with a real token."""
        if not self.answers["api_docs"]:
            return "not applicable: the project publishes no OpenAPI schema"
        self.run(
            "schemathesis-install",
            [
                BIN / "uv",
                "pip",
                "install",
                "--quiet",
                "--python",
                self.python,
                SCHEMATHESIS,
            ],
        )
        env = {
            **self.env,
            "VERIFY_DOMAIN": self.domain,
            "VERIFY_TOKEN": self.access,
            "VERIFY_EXAMPLES": str(SCHEMATHESIS_EXAMPLES),
        }
        check_file = Path(__file__).with_name("openapi_check.py")
        # The project's own pytest settings (pytest-django, its test settings)
        # stay out of this run: the app runs with production settings.
        pytest = [self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        isolated = ["-p", "no:django", "--rootdir", self.work]
        output = self.run("schemathesis", [*pytest, *isolated, check_file], env=env)
        summary = output.strip().splitlines()[-1].strip("= ")
        check(
            "passed" in summary,
            f"schemathesis: {summary}",
            self.logs / "schemathesis.log",
        )
        return f"{summary}, {SCHEMATHESIS_EXAMPLES} examples per operation at most"

    @contextmanager
    def request_loop(self, path="/api/health/"):
        """GET path through Nginx over and over in a thread, bounded in count
        and time, counting answers by status; yields the counts."""
        counts = Counter()
        stop = threading.Event()
        max_requests, max_seconds = RELOAD_LOOP_LIMIT

        def loop():
            end = time.monotonic() + max_seconds
            while (
                not stop.is_set()
                and time.monotonic() < end
                and counts.total() < max_requests
            ):
                try:
                    counts[self.https.get(path).status] += 1
                except OSError as error:
                    counts[type(error).__name__] += 1

        worker = threading.Thread(target=loop)
        worker.start()
        try:
            wait_for(lambda: counts[200] >= 20, "the request loop to get going")
            yield counts
        finally:
            stop.set()
            worker.join()

    @staticmethod
    def wait_for_more_answers(counts, how_many=20):
        before = counts[200]
        wait_for(lambda: counts[200] >= before + how_many, "answers to go on")

    def step_reload(self):
        """HUP Gunicorn under a bounded request loop: no request may fail."""
        old_workers = self.worker_pids()
        with self.request_loop() as counts:
            os.kill(self.gunicorn_pid, signal.SIGHUP)
            wait_for(
                lambda: self.worker_pids() and not (self.worker_pids() & old_workers),
                "every worker to be replaced after HUP",
                log=self.gunicorn_log,
            )
            self.wait_for_more_answers(counts)
        failed = counts.total() - counts[200]
        check(not failed, f"{failed} of {counts.total()} failed: {dict(counts)}")
        workers = len(old_workers)
        return f"{counts.total()} requests, 0 failed; all {workers} workers replaced"

    def step_worker_killed(self):
        """SIGKILL one worker under load: the master replaces it, and at most
        the one request that worker was serving fails."""
        workers = self.worker_pids()
        victim = min(workers)
        with self.request_loop() as counts:
            os.kill(int(victim), signal.SIGKILL)
            wait_for(
                lambda: (
                    victim not in self.worker_pids()
                    and len(self.worker_pids()) == len(workers)
                ),
                "a new worker in place of the killed one",
                log=self.gunicorn_log,
            )
            self.wait_for_more_answers(counts)
        failed = counts.total() - counts[200]
        check(
            failed <= 1, f"{failed} requests failed for one dead worker: {dict(counts)}"
        )
        return f"worker {victim} replaced; {counts.total()} requests, {failed} failed"

    def step_database_outage(self):
        """PostgreSQL stopped: 503 in JSON, no traceback; started: back to 200."""
        if self.database is None:
            return "not applicable: SQLite has no server to stop"
        access = self.access
        self.database.stop()
        try:
            for path in ("/api/health/", "/api/auth/me/"):
                response = self.https.get(path, token=access)
                check(response.status == 503, f"{path} answered {response.status}")
                check(
                    response.headers["Content-Type"] == "application/json",
                    f"{path} answered {response.headers['Content-Type']}",
                )
        finally:
            self.database.start()
        wait_for(
            lambda: self.https.get("/api/auth/me/", token=access).status == 200,
            "the API to answer again after PostgreSQL came back",
            log=self.gunicorn_log,
        )
        return "503 JSON from health/ and me/ while down; 200 after restart"

    def step_gunicorn_down(self):
        """With Gunicorn stopped, Nginx answers 502 in JSON at once."""
        stopped = self.stop_gunicorn()
        started = time.perf_counter()
        response = self.https.get("/api/health/")
        elapsed = time.perf_counter() - started
        check(response.status == 502, f"Nginx answered {response.status}")
        check(
            response.json() == {"detail": "The application is not answering."},
            f"502 body: {response.body[:200]}",
        )
        check(elapsed < UPSTREAM_DOWN_LIMIT, f"the 502 took {elapsed:.1f}s")
        return (
            f"{stopped} processes exited on TERM; 502 JSON in {elapsed * 1000:.0f} ms"
        )

    def stop_gunicorn(self):
        """TERM the master and wait until it and every worker have exited."""
        pids = {self.gunicorn_pid, *self.worker_pids()}
        self.stop("gunicorn", signal.SIGTERM)
        wait_for(
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids),
            "every Gunicorn process to exit",
            deadline=STOP_DEADLINE,
        )
        return len(pids)

    def step_shutdown(self):
        self.stop("nginx", signal.SIGQUIT)
        stopped = self.stop_gunicorn() if "gunicorn" in self.processes else 0
        self.socket_path.unlink(missing_ok=True)
        self.exit_stack.close()
        return f"Nginx and {stopped} more Gunicorn processes gone, database stopped"

    # The run ---------------------------------------------------------------

    STEPS = (
        ("layout", "step_layout"),
        ("install", "step_install"),
        ("ruff", "step_ruff"),
        ("check --deploy", "step_check_deploy"),
        ("database + migrate", "step_database"),
        ("project tests", "step_project_tests"),
        ("collectstatic", "step_collectstatic"),
        ("gunicorn --check-config", "step_gunicorn_config"),
        ("systemd units", "step_units"),
        ("nginx -t + gixy", "step_nginx_config"),
        ("gunicorn (socket-activated)", "step_gunicorn"),
        ("nginx", "step_nginx"),
        ("JWT flow over HTTPS", "step_jwt_flow"),
        ("redirect, ACME, headers", "step_edges"),
        ("static files", "step_static"),
        ("schemathesis", "step_schemathesis"),
        ("rate limit", "step_rate_limit"),
        ("HUP reload under load", "step_reload"),
    )
    # Faults break the stack on purpose: not run when it is to keep serving.
    FAULT_STEPS = (
        ("worker killed under load", "step_worker_killed"),
        ("database outage", "step_database_outage"),
        ("gunicorn down: 502", "step_gunicorn_down"),
    )

    # What the benchmark needs: the stack up, nothing checked beyond that.
    BOOT_STEPS = (
        ("layout", "step_layout"),
        ("install", "step_install"),
        ("database + migrate", "step_database"),
        ("collectstatic", "step_collectstatic"),
        ("nginx -t + gixy", "step_nginx_config"),
        ("gunicorn (socket-activated)", "step_gunicorn"),
        ("nginx", "step_nginx"),
    )

    def _prepare(self):
        # SIGTERM (a CI timeout, say) cleans up like Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        self.exit_stack = ExitStack()
        self.failed = False
        self.timings = {}
        self.env = inherited_env()

    def boot(self):
        """Bring the stack up as verify does; True when it is up. The caller
        stops it with step_shutdown and cleanup."""
        self._prepare()
        return all(
            self._run_step(label, getattr(self, m)) for label, m in self.BOOT_STEPS
        )

    def verify(self):
        """Run every step; True when all pass. Always cleans up after itself."""
        self._prepare()
        steps = list(self.STEPS)
        if not self.serve:
            steps += [*self.FAULT_STEPS, ("shutdown", "step_shutdown")]
        started = time.perf_counter()
        try:
            for label, method in steps:
                if not self._run_step(label, getattr(self, method)):
                    return False
            self.out(f"verified {self.project} in {time.perf_counter() - started:.1f}s")
            return True
        finally:
            if not self.serve:
                self.cleanup()

    def _run_step(self, label, method):
        started = time.perf_counter()
        try:
            detail = method()
        except StepFailed as failure:
            elapsed = time.perf_counter() - started
            self.timings[label] = elapsed
            self.failed = True
            self.out(f"FAIL  {label:<28} {elapsed:6.2f}s  {failure}")
            if failure.log:
                self.out(
                    f"----- last lines of {failure.log} -----\n{tail(failure.log)}"
                )
            self.out(f"logs of every step: {self.logs}")
            return False
        elapsed = time.perf_counter() - started
        self.timings[label] = elapsed
        self.out(f"PASS  {label:<28} {elapsed:6.2f}s  {detail}")
        return True

    def cleanup(self):
        for name in list(self.processes):
            process = self.processes.pop(name)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.socket_path.unlink(missing_ok=True)
        self.exit_stack.close()
        if not self.failed:
            # Logs are kept only when a step failed: the message names them.
            shutil.rmtree(self.work, ignore_errors=True)

    def serve_until_interrupted(self):
        """Keep the stack up for a person to try, then shut it down cleanly."""
        port = "" if self.https_port == 443 else f":{self.https_port}"
        base = f"https://{self.domain}{port}"
        resolve = f"--resolve {self.domain}:{self.https_port}:127.0.0.1"
        self.out(f"\nServing {self.slug} through Nginx at {base}/ (on 127.0.0.1):")
        for path in ("/api/health/", "/api/docs/", "/admin/"):
            self.out(f"  curl --cacert {self.certificate} {resolve} {base}{path}")
        self.out("Ctrl-C stops it.")
        try:
            self.processes["nginx"].wait()
        except KeyboardInterrupt:
            self.out("")
        finally:
            self._run_step("shutdown", self.step_shutdown)
            self.cleanup()
