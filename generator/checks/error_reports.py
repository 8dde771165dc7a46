"""Error reports, checked through Nginx: with SENTRY_DSN set, an error in a
view reaches a Sentry stand-in once, without credentials."""

from generator import programs
from generator.checking import check
from generator.sink import events, http_sink
from generator.stacks.contract import CanRestartApp, HasSinks, needs

# Gunicorn runs the project's application with one more URL, whose view
# fails, while the error report is checked.
INDUCED_ERROR = "induced_error"
INDUCED_ERROR_PATH = "/" + programs.constant(INDUCED_ERROR, "PATH")


@needs(CanRestartApp, HasSinks)
def sentry_report(stack):
    """With SENTRY_DSN set, an error in a view reaches the DSN's server once,
    tagged with the request id and without the Authorization header. The
    sink listens where the stack puts its stand-ins: on a host, past the
    unit's IPAddressDeny, which the deploy opens for it."""
    module = f"verify_{INDUCED_ERROR}"
    folder = stack.put_python_module(module, programs.source(INDUCED_ERROR))
    faulty = [
        *stack.project.exec_start[:-1],
        "--pythonpath", str(folder), f"{module}:application",
    ]  # fmt: skip
    with http_sink(stack.sink_address) as sink:
        host, port = sink.server_address
        dsn = f"http://verify@{host}:{port}/1"
        stack.restart_gunicorn(faulty, {"SENTRY_DSN": dsn})
        failed = stack.https.get(INDUCED_ERROR_PATH, token=stack.user.access)
        # Workers send what they hold before they exit, so once Gunicorn is
        # back without Sentry, every report has arrived.
        stack.restart_gunicorn(settings={"SENTRY_DSN": None})
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
