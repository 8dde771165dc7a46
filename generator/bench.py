"""Benchmark a generated project's production stack.

The local stack is brought up exactly as `prodstack verify` brings it up
(Gunicorn from the unit's ExecStart behind the rendered Nginx site), then
driven with wrk over loopback against: manage.py runserver, Gunicorn with no
config, and a raw WSGI hello-world behind the same Nginx and Gunicorn config
(the ceiling).
Every run is bounded in time, follows a warm-up, and the scenarios alternate
order from round to round so the machine's drift cancels out.
"""

import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from generator import programs
from generator.checking import StepFailed, poll
from generator.inprocess import authentication_cost, request_cpu_ms
from generator.loopback import free_port, http_client
from generator.measures import (
    WRK_THREADS,
    Measurement,
    PeakRss,
    Row,
    memory_table,
    run_wrk,
    table,
    tree_memory,
)
from generator.project import Project
from generator.runner import handle_termination, run_steps
from generator.socket_gunicorn import FORWARDED
from generator.stacks import local
from generator.stacks.local import LocalStack

OURS = "ours: Nginx + Gunicorn, our config"
RUNSERVER = "manage.py runserver"
PLAIN = "gunicorn config.wsgi, no config"
CEILING = "ceiling: WSGI hello, same Nginx + config"
STATIC_NGINX = "static file: Nginx"
STATIC_WHITENOISE = "static file: WhiteNoise (our Gunicorn)"
TOKEN = "token obtain (Argon2), 1 client"
HEALTH_UNDER_ATTACK = "health, 1 client, while the admin sign-in is hammered"
# Clients POSTing wrong passwords to the admin's sign-in meanwhile.
ATTACKERS = 8
# Memory of our Gunicorn (master and workers) after a warm-up, as shipped and
# with the app loaded in each worker instead of once in the master.
MEMORY_PRELOAD = "ours: preload + gc.freeze"
MEMORY_NO_PRELOAD = "ours without preload"
MEMORY_RATIO = ("PSS: preload / no preload", MEMORY_PRELOAD, MEMORY_NO_PRELOAD)
RATIOS = (
    ("throughput: preload / no preload", MEMORY_PRELOAD, MEMORY_NO_PRELOAD),
    ("ours / runserver", OURS, RUNSERVER),
    ("ours / default Gunicorn", OURS, PLAIN),
    ("ours / ceiling", OURS, CEILING),
    ("static: Nginx / WhiteNoise", STATIC_NGINX, STATIC_WHITENOISE),
)
WARM_UP_SECONDS = 1
# The app allows 10 sign-ins a minute per client, and the stack's sign-in used 1.
TOKEN_SAMPLES = 8
# Worker settings the sweep tries: (class, workers, threads).
SWEEP = (
    ("sync", 1, 1),
    ("sync", 2, 1),
    ("sync", 3, 1),
    ("sync", 5, 1),
    ("sync", 9, 1),
    ("gthread", 2, 4),
    ("gthread", 5, 2),
)


class Bench:
    def __init__(self, project, duration, connections, rounds, out=print):
        self.duration, self.connections, self.rounds = duration, connections, rounds
        self.out = out
        self.stack = stack = LocalStack(
            Project.load(project), overrides={"JWT_ACCESS_MINUTES": "240"}
        )
        self.rows = {}
        self.sweep = {}  # rows of the worker sweep, by setting
        self.memory = {}  # Memory by server
        self.authentication = None  # microseconds per call, by kind
        self.attack = None  # the admin sign-in flood's own measurement
        self.request_cpu_ms = None
        self.site = stack.project.site_url
        # Headers of a request straight to Gunicorn, as Nginx sends it.
        self.direct = {"Host": stack.project.domain, **FORWARDED}
        # What the API scenarios ask for, as the stack's user (prepare()).
        self.api_path, self.auth = None, {}

    # Driving ------------------------------------------------------------

    def wrk(self, url, headers, duration, script=None, connections=None):
        hosts = self.stack.work / "hosts"
        hosts.write_text(f"127.0.0.1 {self.stack.project.domain}\n")
        return run_wrk(
            url, headers, duration, connections or self.connections, hosts, script
        )

    def measure(self, name, url, headers, rss_pid=None):
        self.wrk(url, headers, WARM_UP_SECONDS)
        if rss_pid is None:
            measurement = self.wrk(url, headers, self.duration)
        else:
            with PeakRss(rss_pid) as rss:
                measurement = self.wrk(url, headers, self.duration)
            measurement.rss_mb = rss.peak
        self.rows.setdefault(name, Row(name)).runs.append(measurement)

    # The stack and its rivals -------------------------------------------

    def start_tcp(self, name, command, extra_env=None):
        """A server on a free loopback port ("{port}" in its command or
        environment); wait until it answers."""
        port = str(free_port())
        env = {**self.stack.env, **(extra_env or {})}
        env = {key: value.replace("{port}", port) for key, value in env.items()}
        command = [part.replace("{port}", port) for part in command]
        process, log = self.stack.processes.start(name, command, env=env)
        client = http_client(self.stack.project.domain, int(port))
        poll(
            lambda: client.get("/api/health/", headers=FORWARDED).status, name, log=log
        )
        return process, f"http://127.0.0.1:{port}"

    def swap_socket_app(self, app=None, settings=None):
        """Restart the socket-activated Gunicorn with another app or settings."""
        command = self.stack.project.exec_start
        if app:
            command = [*command[:-1], "--pythonpath", str(self.stack.work), app]
        self.stack.restart_gunicorn(command, settings)

    def prepare(self):
        stack = self.stack
        report = run_steps(stack, [*local.PREPARE, *local.BOOT], self.out)
        if not report.passed:
            raise StepFailed("the stack did not come up: run prodstack verify")
        access = stack.user.access
        self.auth = {"Authorization": f"Bearer {access}"}
        if stack.project.answers["example_api"]:
            for number in range(20):
                note = {"title": f"note {number}"}
                stack.https.post("/api/notes/", note, token=access)
            self.api_path = "/api/notes/"
        else:
            self.api_path = "/api/auth/me/"
        stack.put_python_module("ceiling", programs.source("ceiling"))

    def start_rivals(self):
        """runserver, Gunicorn with no config, and ours on TCP (WhiteNoise's
        static files, sign-in latency); (process, base URL) each."""
        venv = self.stack.project.path / ".venv" / "bin"
        runserver = self.start_tcp(
            "runserver",
            [str(venv / "python"), "manage.py", "runserver", "127.0.0.1:{port}",
             "--noreload"],
        )  # fmt: skip
        plain = self.start_tcp(
            "gunicorn-plain",
            [
                str(venv / "gunicorn"),
                "config.wsgi:application",
                "-b",
                "127.0.0.1:{port}",
            ],
        )
        tcp = self.start_tcp(
            "gunicorn-tcp",
            self.stack.project.exec_start,
            {"GUNICORN_BIND": "127.0.0.1:{port}"},
        )
        return runserver, plain, tcp

    def measure_round(self, round_number, rivals):
        """Every scenario once, in the other order every other round."""
        (runserver, runserver_url), (plain, plain_url), (tcp, tcp_url) = rivals
        api, static = self.api_path, f"/static/{self.stack.static_file}"
        gzip = {"Accept-Encoding": "gzip"}
        direct_api = {**self.direct, **self.auth}
        direct_gzip = {**self.direct, **gzip}
        scenarios = [
            (OURS, f"{self.site}{api}", self.auth, "socket"),
            (RUNSERVER, f"{runserver_url}{api}", direct_api, runserver.pid),
            (PLAIN, f"{plain_url}{api}", direct_api, plain.pid),
            (STATIC_NGINX, f"{self.site}{static}", gzip, None),
            (STATIC_WHITENOISE, f"{tcp_url}{static}", direct_gzip, tcp.pid),
        ]  # fmt: skip
        if round_number % 2:
            scenarios.reverse()
        for name, url, headers, rss in scenarios:
            pid = self.stack.gunicorn_pid if rss == "socket" else rss
            self.measure(name, url, headers, pid)
        self.swap_socket_app(app="ceiling:application")
        self.measure(CEILING, f"{self.site}{api}", {}, self.stack.gunicorn_pid)
        self.swap_socket_app()

    def run(self, sweep=False):
        stack = self.stack
        handle_termination()
        failed = True
        try:
            self.prepare()
            rivals = self.start_rivals()
            for round_number in range(self.rounds):
                self.measure_round(round_number, rivals)
            api, (_, tcp_url) = self.api_path, rivals[2]
            self.measure_token_latency(tcp_url)
            self.measure_health_under_attack()
            self.measure_memory()
            self.authentication = authentication_cost(stack)
            self.request_cpu_ms = request_cpu_ms(stack, api)
            if sweep:
                self.run_sweep()
            failed = False
        finally:
            stack.shut_down()
            stack.clean_up(keep_logs=failed)
        return self.rows

    def measure_token_latency(self, base_url):
        """Sign-in latency, one client, straight to Gunicorn: Nginx would
        rate-limit a loop, and the app allows 10 sign-ins a minute."""
        stack = self.stack
        client = http_client(stack.project.domain, int(base_url.rsplit(":", 1)[1]))
        samples, errors = [], 0
        for _ in range(TOKEN_SAMPLES):
            started = time.perf_counter()
            response = client.post(
                "/api/auth/token/", stack.user.credentials, headers=FORWARDED
            )
            samples.append((time.perf_counter() - started) * 1000)
            errors += response.status != 200
        samples.sort()
        row = self.rows.setdefault(TOKEN, Row(TOKEN))
        mean = statistics.mean(samples)
        row.runs.append(
            Measurement(1000 / mean, samples[len(samples) // 2], samples[-1], errors)
        )

    def measure_health_under_attack(self):
        """/api/health/ from one client while ATTACKERS clients POST wrong
        passwords to the admin's sign-in, a valid CSRF token and all: each
        attempt that got through would cost an Argon2 hash (issue 12)."""
        stack = self.stack
        page = stack.https.get("/admin/login/")
        cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"])[1]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        body = f"csrfmiddlewaretoken={token[1].decode()}&username=admin&password=x"
        script = stack.work / "admin-sign-in.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f'wrk.body = "{body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            f'wrk.headers["Cookie"] = "csrftoken={cookie}"\n'
            f'wrk.headers["Referer"] = "{self.site}/admin/login/"\n'
        )
        with ThreadPoolExecutor(1) as pool:
            attack = pool.submit(
                self.wrk, f"{self.site}/admin/login/", {}, self.duration + 1,
                script, ATTACKERS,
            )  # fmt: skip
            health = self.wrk(f"{self.site}/api/health/", {}, self.duration, None, 1)
            self.attack = attack.result()
        self.rows.setdefault(HEALTH_UNDER_ATTACK, Row(HEALTH_UNDER_ATTACK)).runs.append(
            health
        )

    def measure_memory(self):
        """Throughput, then PSS and RSS, of our Gunicorn with and without
        preload: a fresh start each, and a run that reaches every worker."""
        url = f"{self.site}{self.api_path}"
        for name, preload in ((MEMORY_NO_PRELOAD, "false"), (MEMORY_PRELOAD, "true")):
            self.swap_socket_app(settings={"GUNICORN_PRELOAD": preload})
            self.measure(name, url, self.auth)
            self.memory[name] = tree_memory(self.stack.gunicorn_pid)
        self.swap_socket_app(settings={"GUNICORN_PRELOAD": "true"})

    def run_sweep(self):
        """Our scenario under each worker setting, one after another."""
        for worker_class, workers, threads in SWEEP:
            label = f"{worker_class}, {workers} workers x {threads} threads"
            self.swap_socket_app(
                settings={
                    "GUNICORN_WORKER_CLASS": worker_class,
                    "GUNICORN_WORKERS": str(workers),
                    "GUNICORN_THREADS": str(threads),
                }
            )
            self.measure(
                label,
                f"{self.site}{self.api_path}",
                self.auth,
                self.stack.gunicorn_pid,
            )
            self.sweep[label] = self.rows.pop(label)

    def report(self):
        return report(self)


def report(bench):
    """The tables and ratios of a bench that ran, as Markdown."""
    lines = [
        f"{bench.connections} connections, {WRK_THREADS} wrk threads, "
        f"{bench.duration}s per run after a {WARM_UP_SECONDS}s warm-up, "
        f"median of {bench.rounds} alternating rounds",
        "",
        *table(bench.rows.values()),
        "",
        "| ratio | value |",
        "|---|---|",
    ]
    rps = {name: row.median("rps") for name, row in bench.rows.items()}
    for label, top, bottom in RATIOS:
        lines.append(f"| {label} | {rps[top] / rps[bottom]:.2f}x |")
    if bench.memory:
        label, top, bottom = MEMORY_RATIO
        pss = {name: memory.pss_mb for name, memory in bench.memory.items()}
        lines += [
            f"| {label} | {pss[top] / pss[bottom]:.2f}x |",
            "",
            *memory_table(bench.memory),
        ]
    if bench.attack:
        lines += [
            "",
            f"Admin sign-in flood ({ATTACKERS} clients, wrong passwords): "
            f"{bench.attack.rps:.0f} POSTs a second, {bench.attack.errors} of "
            "them refused (429) before any password was checked.",
        ]
    if bench.request_cpu_ms:
        lines += [
            "",
            f"CPU per authenticated GET {bench.api_path} in-process: "
            f"{bench.request_cpu_ms:.2f} ms",
        ]
    cost = bench.authentication
    if cost:
        lines += [
            "",
            "| authentication, per request | microseconds |",
            "|---|---|",
            f"| JWTAuthentication (user looked up) | {cost['lookup']:.0f} |",
            f"| JWTStatelessUserAuthentication | {cost['stateless']:.0f} |",
            f"| signature and claims check alone | {cost['signature']:.0f} |",
        ]
    if bench.sweep:
        lines += [
            "",
            "Worker sweep (our scenario):",
            "",
            *table(bench.sweep.values()),
        ]
    return "\n".join(lines)
