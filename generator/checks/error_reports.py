"""Error reports, checked through Nginx: with SENTRY_DSN set, an error in a
view reaches a Sentry stand-in once, without credentials."""

from generator.processes import check
from generator.sink import events, http_sink

# A Django view that fails, added to the project's URLs by a module verify
# writes next to it; Gunicorn runs that module's application (which is the
# project's own) while the error report is checked.
INDUCED_ERROR_PATH = "/verify/induced-error/"
INDUCED_ERROR_APP = """\
# What Gunicorn runs; it sets Django up, so it comes first.
from config.wsgi import application

from config import urls
from django.urls import path


def fail(request):
    raise RuntimeError("induced by prodstack verify")


urls.urlpatterns.append(path("verify/induced-error/", fail))
"""


def sentry_report(stack):
    """With SENTRY_DSN set, an error in a view reaches the DSN's server once,
    tagged with the request id and without the Authorization header. The
    sink listens where the stack puts its stand-ins: on a host, past the
    unit's IPAddressDeny, which the deploy opens for it."""
    folder = stack.put_python_module("verify_induced_error", INDUCED_ERROR_APP)
    faulty = [
        *stack.project.exec_start[:-1],
        "--pythonpath", str(folder), "verify_induced_error:application",
    ]  # fmt: skip
    with http_sink(stack.sink_address) as sink:
        host, port = sink.server_address
        dsn = f"http://verify@{host}:{port}/1"
        stack.restart_gunicorn(faulty, {"SENTRY_DSN": dsn})
        failed = stack.https.get(INDUCED_ERROR_PATH, token=stack.user.access)
        # Workers send what they hold before they exit, so once Gunicorn is
        # back without Sentry, every report has arrived.
        stack.restart_gunicorn(settings={"SENTRY_DSN": ""})
    check(failed.status == 500, f"the induced error answered {failed.status}")
    request_id = failed.headers["X-Request-ID"]
    reports = events(sink.received)
    check(len(reports) == 1, f"{len(reports)} error reports arrived, not 1")
    report = reports[0]
    tags = report.get("tags") or {}
    check(
        tags.get("request_id") == request_id,
        f"the report's request_id tag is {tags.get('request_id')}, not {request_id}",
    )
    headers = {name.lower() for name in report["request"]["headers"]}
    check("authorization" not in headers, "the report has an Authorization header")
    check(
        all(stack.user.access.encode() not in r.body for r in sink.received),
        "the access token reached the sink",
    )
    exception = report["exception"]["values"][-1]
    return (
        f"1 report ({exception['type']}: {exception['value']}) tagged {request_id}, "
        f"no Authorization; sink on {host}"
    )
