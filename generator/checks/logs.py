"""The request id and the logs, checked through Nginx: the id comes back in
the response and is on every line that saw the request, in Nginx's, in
Gunicorn's and in Django's logs, and every line is JSON."""

import json
import re

from generator.checking import check, poll
from generator.stacks.contract import HasClientAddresses, HasJournal, needs

NGINX_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
LOG_DEADLINE = 5
# Keys every line of the service has, and every line of the site's access log.
APP_LOG_KEYS = {"time", "level", "logger", "pid", "message"}
SITE_LOG_KEYS = {"time", "request_id", "client", "method", "uri", "status"}


def parsed(lines):
    """The lines that are JSON objects, parsed; a line still being written
    is skipped."""
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def site_log_lines(stack):
    try:
        return stack.site_access_log.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []


def traced(stack, request_id):
    """(Nginx, Gunicorn, Django) records of one request, once all three
    have written theirs; else None."""
    nginx = [r for r in parsed(site_log_lines(stack)) if r["request_id"] == request_id]
    app = parsed(stack.app_log_lines())
    app = [r for r in app if r.get("request_id") == request_id]
    gunicorn = [r for r in app if r["logger"] == "gunicorn.access"]
    django = [r for r in app if r["logger"] != "gunicorn.access"]
    return (nginx, gunicorn, django) if nginx and gunicorn and django else None


@needs(HasJournal, HasClientAddresses)
def request_id(stack):
    """A signed-in request that Django logs (POST to me/ is a 405, and
    Django logs 4xx answers): its id comes back in the response and is on
    its Nginx line, its Gunicorn access line (with the user's id) and its
    Django line. A trusted proxy's id (one on the host itself) is kept,
    anyone else's replaced."""
    token = stack.user.access
    user_id = stack.https.get("/api/auth/me/", token=token).json()["id"]
    refused = stack.https.post("/api/auth/me/", {}, token=token)
    check(refused.status == 405, f"POST to me/ answered {refused.status}")
    request_id = refused.headers["X-Request-ID"] or ""
    check(
        NGINX_REQUEST_ID.fullmatch(request_id),
        f"X-Request-ID in the response: {request_id!r}",
    )
    nginx, gunicorn, django = poll(
        lambda: traced(stack, request_id),
        f"request {request_id} in the Nginx, Gunicorn and Django logs",
        deadline=LOG_DEADLINE,
        log=stack.gunicorn_log,
    )
    expected = {"path": "/api/auth/me/", "status": 405, "user_id": user_id}
    access = gunicorn[0]
    check(
        all(access.get(key) == value for key, value in expected.items())
        and access["duration"] > 0,
        f"Gunicorn's access line: {access}",
    )
    check(nginx[0]["status"] == 405, f"Nginx's line: {nginx[0]}")
    check(
        all(line.get("user_id") == user_id for line in django),
        f"Django's lines: {django}",
    )

    chosen = "verify-" + request_id[:16]
    for client, sent, kept in (
        (stack.https_on_host, chosen, True),
        (stack.https_from(stack.stranger), chosen, False),
        (stack.https, "not an id!", False),
    ):
        answered = client.get("/api/health/", headers={"X-Request-ID": sent})
        returned = answered.headers["X-Request-ID"]
        check(
            (returned == sent) if kept else bool(NGINX_REQUEST_ID.fullmatch(returned)),
            f"X-Request-ID {sent!r} came back as {returned!r}",
        )
    loggers = ", ".join(sorted({line["logger"] for line in django}))
    return (
        f"{request_id} on Nginx's, Gunicorn's (user {user_id}) and Django's "
        f"({loggers}) lines; a proxy's id kept, a stranger's replaced"
    )


@needs(HasJournal)
def json_logs(stack):
    """Every line the service wrote, and every line of the site's access log,
    is a JSON object with the keys people search by."""
    for name, lines, keys in (
        ("the service", stack.app_log_lines(), APP_LOG_KEYS),
        ("the Nginx site", site_log_lines(stack), SITE_LOG_KEYS),
    ):
        check(lines, f"{name} logged nothing")
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            check(
                isinstance(record, dict) and keys <= record.keys(),
                f"a line {name} logged is not JSON with {sorted(keys)}: {line[:300]}",
            )
    return (
        f"{len(stack.app_log_lines())} service lines, "
        f"{len(site_log_lines(stack))} Nginx lines, all JSON"
    )
