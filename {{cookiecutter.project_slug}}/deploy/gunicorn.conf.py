"""Gunicorn settings for production, behind Nginx on a unix socket.

Each value can be overridden from the environment (the systemd unit's
EnvironmentFile), e.g. GUNICORN_WORKERS=4. Run by hand without systemd, it
binds GUNICORN_BIND; under systemd it takes the socket the .socket unit hands
over (LISTEN_FDS) and ignores bind.
"""

import gc
import os


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

# Logs to stdout/stderr, which journald keeps. Access lines are the combined
# format (client address from Nginx's X-Forwarded-For, since the socket peer
# is always Nginx) plus the request time in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s'
)

proc_name = "{{ cookiecutter.project_slug }}"
