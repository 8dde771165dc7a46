"""Gunicorn settings for production, behind Nginx on a unix socket.

Each value can be overridden from the environment (the systemd unit's
EnvironmentFile), e.g. GUNICORN_WORKERS=4. Run by hand without systemd, it
binds GUNICORN_BIND; under systemd it takes the socket the .socket unit hands
over (LISTEN_FDS) and ignores bind.
"""

import gc
import os
import tempfile

from config.logs import json_logging


def env_int(name, default):
    return int(os.environ.get(name) or default)


def env_bool(name, default):
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


bind = os.environ.get(
    "GUNICORN_BIND",
    "unix:/run/{{ cookiecutter.project_slug }}.sock",
)

# Two sync workers per core plus one, capped so a large host does not open
# more database connections than the server allows. Measured on 2 cores with
# `prodstack bench --sweep` (authenticated list, 32 connections): 5 sync
# workers gave 499 req/s at p99 85 ms; 3 gave 514 at p99 113; 9 gave 391;
# gthread (2x4, 5x2) about 415 with a p99 near 300 ms. CPU-bound Django gains
# nothing from threads.
workers = env_int("GUNICORN_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 9))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = env_int("GUNICORN_THREADS", 1)

# A request that takes longer than this is killed, and its worker replaced.
timeout = env_int("GUNICORN_TIMEOUT", 30)
# On reload or stop, workers get this long to finish in-flight requests; the
# unit's TimeoutStopSec is 5 seconds longer.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Nginx speaks HTTP/1.0 to the upstream and closes each connection, so a short
# keep-alive only matters to clients that reach Gunicorn directly.
keepalive = env_int("GUNICORN_KEEPALIVE", 2)

# Nginx in front bounds request lines and header lines (8 KB each); Gunicorn's
# own lower limits would refuse some requests Nginx let through, with an HTML
# 414 or 431 instead of the site's JSON errors. Up to Gunicorn's maxima here.
limit_request_line = 0  # no limit of its own
limit_request_fields = 32768
limit_request_field_size = 16384

# Load the app once in the master and fork workers from it: they share its
# memory (measured with `prodstack bench`: see BENCHMARKS.md) and start at
# once. A release goes live by restarting the service, never by HUP, which
# would fork workers of the old code from this master again.
preload_app = env_bool("GUNICORN_PRELOAD", True)

# Keep the shared pages shared: the collector of a worker would otherwise
# write to every object inherited from the master. No collection in the
# master while the app loads, every object frozen just before a fork, and
# collection back on in the worker (the recipe in the gc module's docs).
gc.disable()


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    gc.enable()
    LIVE_WORKERS.set(1)  # see the metrics at the end


# Recycle workers now and then so a slow leak cannot grow forever; the jitter
# keeps them from restarting all at once.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Worker heartbeats in memory: a disk-backed /tmp can stall them under load.
worker_tmp_dir = "/dev/shm"  # noqa: S108 (heartbeat files only, no data)

# Trust X-Forwarded-* only from the proxy: Nginx on this host. Peers on a unix
# socket are always local.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Gunicorn 27 opens a control socket under $HOME by default; the hardened unit
# makes $HOME read-only, and nothing here uses gunicornc.
control_socket_disable = True

# JSON lines on stdout, which journald keeps, as Django's are. An access line
# carries the request id Nginx sent, the client address from Nginx's
# X-Forwarded-For (the socket peer is always Nginx) and the duration in seconds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = json_logging(os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
access_log_format = "%(m)s %(U)s %(s)s"

proc_name = "{{ cookiecutter.project_slug }}"

# Prometheus metrics: each process counts in its own files in this folder and
# /metrics adds them up, so the numbers are right across workers. The folder
# must start empty: systemd makes the unit's RuntimeDirectory anew on each
# start. Gunicorn run by hand gets a new temporary folder.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ.get(
        "RUNTIME_DIRECTORY"
    ) or tempfile.mkdtemp(prefix=f"{proc_name}-metrics-")

# prometheus_client reads PROMETHEUS_MULTIPROC_DIR when it is first imported.
from prometheus_client import Gauge, multiprocess  # noqa: E402

# Each worker sets its own to 1; /metrics sums those of live processes.
LIVE_WORKERS = Gauge(
    "gunicorn_workers",
    "Gunicorn workers alive",
    multiprocess_mode="livesum",
    registry=None,
)


def child_exit(server, worker):
    # A dead worker's gauges stop counting; its counters still do.
    multiprocess.mark_process_dead(worker.pid)
