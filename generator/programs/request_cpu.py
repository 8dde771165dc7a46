"""Run by a project's Python with its production settings: milliseconds of
CPU (not wall time) per authenticated GET of $BENCH_PATH through Django's
WSGI handler, as Gunicorn would call it behind Nginx; the best of five
batches, as JSON."""

import io
import json
import os
import sys
import time

import django
from timing import best_per_call

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402 (after setup)

BATCH = 500


def request_environ():
    host = os.environ["BENCH_HOST"]
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": os.environ["BENCH_PATH"],
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "HTTP_HOST": host,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_AUTHORIZATION": "Bearer " + os.environ["BENCH_TOKEN"],
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def main():
    application, environ = WSGIHandler(), request_environ()

    def call():
        statuses = []
        request = {**environ, "wsgi.input": io.BytesIO()}
        body = b"".join(application(request, lambda s, h, e=None: statuses.append(s)))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{statuses[0]}: {body[:200]}")

    seconds = best_per_call(call, BATCH, clock=time.process_time)
    print(json.dumps({"cpu_ms": seconds * 1000}))


if __name__ == "__main__":
    main()
