"""Costs measured inside the project's own Python, with its production
settings and the stack's database: no network, no server, just Django."""

import json

AUTHENTICATION_SCRIPT = """
import json, os, time
import django
django.setup()
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.authentication import (
    JWTAuthentication, JWTStatelessUserAuthentication)
from rest_framework_simplejwt.tokens import AccessToken

token = os.environ["BENCH_TOKEN"]
request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")

def microseconds(call, count=2000):
    for _ in range(200):
        call()
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            call()
        best = min(best, (time.perf_counter() - started) / count * 1e6)
    return best

lookup, stateless = JWTAuthentication(), JWTStatelessUserAuthentication()
print(json.dumps({
    "lookup": microseconds(lambda: lookup.authenticate(Request(request))),
    "stateless": microseconds(lambda: stateless.authenticate(Request(request))),
    "signature": microseconds(lambda: AccessToken(token)),
}))
"""

# The whole request through Django's WSGI handler, as Gunicorn would call it
# behind Nginx; CPU time (not wall time), the best of five batches.
REQUEST_SCRIPT = """
import io, json, os, sys, time
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler

application = WSGIHandler()
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": os.environ["BENCH_PATH"],
    "QUERY_STRING": "", "SERVER_NAME": os.environ["BENCH_HOST"],
    "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.0",
    "HTTP_HOST": os.environ["BENCH_HOST"], "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_AUTHORIZATION": "Bearer " + os.environ["BENCH_TOKEN"],
    "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
}

def call():
    statuses = []
    request = {**environ, "wsgi.input": io.BytesIO()}
    body = b"".join(application(request, lambda s, h, e=None: statuses.append(s)))
    assert statuses[0].startswith("200"), (statuses, body[:200])

for _ in range(200):
    call()
best = float("inf")
for _ in range(5):
    started = time.process_time()
    for _ in range(500):
        call()
    best = min(best, (time.process_time() - started) / 500 * 1000)
print(json.dumps({"cpu_ms": best}))
"""


def _run_script(stack, name, script, **variables):
    env = {**stack.env, **{f"BENCH_{k.upper()}": v for k, v in variables.items()}}
    output = stack.run(name, [stack.python, "-c", script], env=env)
    return json.loads(output.strip().splitlines()[-1])


def authentication_cost(stack):
    """Microseconds per authenticate(): user looked up, or stateless."""
    return _run_script(
        stack, "authentication-cost", AUTHENTICATION_SCRIPT, token=stack.user.access
    )


def request_cpu_ms(stack, path):
    """Milliseconds of CPU per authenticated GET of path, in-process."""
    return _run_script(
        stack,
        "request-cpu",
        REQUEST_SCRIPT,
        token=stack.user.access,
        path=path,
        host=stack.project.domain,
    )["cpu_ms"]
