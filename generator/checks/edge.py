"""The site's edge as an outside attacker meets it, through Nginx: TLS 1.3
negotiated, no server version in any answer, one JSON error shape whether
Nginx, Gunicorn or the app answers, and the admin's sign-in limited."""

import re
import socket
import ssl
from urllib.parse import urlencode

from generator.checking import StepFailed, check
from generator.stacks.contract import CanRestartApp, needs

ADMIN_PROBES = 12
# Nginx's own limits: 1 MB bodies, 8 KB request and header lines.
TOO_LARGE_BODY = 1_500_000
TOO_LONG = 9000
# Long, but within Nginx's limits: Gunicorn must pass these on to the app.
LONG = 6000
MANY_HEADERS = 150


def tls_versions(stack):
    """TLS 1.3 is negotiated (and 1.2 still offered), through the same
    handshake the default server takes part in."""
    project, negotiated = stack.project, []
    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        context = ssl.create_default_context(cafile=str(stack.certificate))
        context.minimum_version = context.maximum_version = version
        try:
            with (
                socket.create_connection(
                    (stack.address, project.https_port), 10
                ) as raw,
                context.wrap_socket(raw, server_hostname=project.domain) as tls,
            ):
                negotiated.append(tls.version())
        except ssl.SSLError as error:
            raise StepFailed(f"{version.name} was refused: {error}") from None
    check(negotiated == ["TLSv1.3", "TLSv1.2"], f"negotiated {negotiated}")
    return "TLSv1.3 and TLSv1.2 negotiated"


def json_error(response, status, code, what):
    """One error in the shape config/errors.py and json-errors.conf share."""
    check(
        response.status == status,
        f"{what}: {response.status} instead of {status}: {response.body[:120]}",
    )
    content_type = response.headers["Content-Type"]
    check(content_type == "application/json", f"{what}: Content-Type {content_type}")
    body = response.json()
    check(
        set(body) == {"detail", "code"} and body["code"] == code,
        f"{what}: body {body}",
    )
    no_version(response, what)


# Headers every answer carries once, whoever answers: Nginx adds them.
ONCE_EACH = (
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "X-Request-ID",
)
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


def once_each(response, what):
    for name in ONCE_EACH:
        values = response.header_values(name)
        check(len(values) == 1, f"{what}: {name} {len(values)} times")


def no_version(response, what):
    server = response.headers["Server"]
    check(server == "nginx", f"{what}: Server: {server}")
    check(b"nginx/" not in response.body, f"{what}: the body names Nginx's version")


def erring_requests(stack):
    """(what, answer, status, code) of requests each answered with an error:
    by Nginx itself, or by Gunicorn and the app in Nginx's stead."""
    https, http = stack.https, stack.http
    asset = f"/static/{stack.static_file}"
    no_host = b"GET /api/health/ HTTP/1.1\r\n\r\n"
    return (
        ("malformed request over HTTPS", https.raw(no_host), 400, "bad_request"),
        ("malformed request over HTTP", http.raw(no_host), 400, "bad_request"),
        ("a static folder", https.get("/static/admin/"), 403, "permission_denied"),
        ("a missing static file", https.get("/static/none.css"), 404, "not_found"),
        ("POST to a static file", https.post(asset, b""), 405, "method_not_allowed"),
        (
            "a body over 1 MB",
            https.post("/api/health/", b"x" * TOO_LARGE_BODY),
            413,
            "request_too_large",
        ),
        ("a URI over 8 KB", https.get("/" + "a" * TOO_LONG), 414, "uri_too_long"),
        (
            "a precondition that fails",
            https.get(asset, headers={"If-Unmodified-Since": EPOCH}),
            412,
            "precondition_failed",
        ),
        (
            "an HTTP version Nginx does not speak",
            https.raw(f"GET / HTTP/3.0\r\nHost: {https.host}\r\n\r\n".encode()),
            505,
            "http_version_not_supported",
        ),
        (
            "a header over 8 KB",
            https.get("/api/health/", headers={"X-Big": "a" * TOO_LONG}),
            431,
            "headers_too_large",
        ),
        (
            "an unknown transfer coding",
            https.raw(
                f"POST /api/health/ HTTP/1.1\r\nHost: {https.host}\r\n"
                "Transfer-Encoding: zip\r\n\r\n".encode()
            ),
            501,
            "not_implemented",
        ),
        # The app's own: a probe path takes no POST, and needs no CSRF token.
        ("POST to health", https.post("/api/health/", b""), 405, "method_not_allowed"),
        # Within Nginx's limits, so Gunicorn must hand them to the app.
        ("a long URI", https.get("/api/" + "a" * LONG), 404, "not_found"),
    )


def errors(stack):
    """Every error Nginx answers itself, and what Gunicorn would otherwise
    answer in HTML, comes back as JSON without a version."""
    https, http = stack.https, stack.http
    asset = f"/static/{stack.static_file}"
    expected = erring_requests(stack)
    for what, response, status, code in expected:
        json_error(response, status, code, what)
        once_each(response, what)
    redirect = http.get("/api/health/")
    check(redirect.status == 301, f"plain HTTP answered {redirect.status}")
    check(
        redirect.json()["code"] == "moved_permanently",
        f"the redirect's body: {redirect.body[:120]}",
    )
    # A range past the end is ignored: the whole file, not an HTML 416.
    whole = https.get(asset, headers={"Range": "bytes=100000000-"})
    check(whole.status == 200, f"a range past the end answered {whole.status}")
    once_each(whole, "a range past the end")

    many = {f"X-Header-{number}": "1" for number in range(MANY_HEADERS)}
    for what, headers in (
        (f"{MANY_HEADERS} headers", many),
        ("a long header", {"X-Long": "a" * LONG}),
    ):
        response = https.get("/api/health/", headers=headers)
        check(
            response.status == 200, f"{what}: {response.status} {response.body[:120]}"
        )
    no_version(https.get("/api/health/"), "health")
    return (
        f"{len(expected)} errors in JSON, the redirect too, each security header "
        "once, Server: nginx everywhere"
    )


def admin_sign_in(stack):
    """A browser's sign-in POST (Origin and Referer with the site's port)
    passes the CSRF check; quick attempts meet Nginx's 429 after a handful."""
    https, site = stack.https, stack.project.site_url
    page = https.get("/admin/login/")
    check(page.status == 200, f"the admin login page answered {page.status}")
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"] or "")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    check(cookie and token, "the login page set no CSRF cookie or form token")
    browser = {
        "Cookie": f"csrftoken={cookie.group(1)}",
        "Origin": site,
        "Referer": f"{site}/admin/login/",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "next": "/admin/"}
    for attempt in range(1, ADMIN_PROBES + 1):
        wrong = urlencode({**form, "username": "nobody", "password": "wrong"})
        response = https.request(
            "POST", "/admin/login/", body=wrong.encode(), headers=browser
        )
        if response.status == 429:
            json_error(response, 429, "throttled", "admin sign-in")
            check(attempt > 1, "the first admin sign-in attempt was refused")
            return (
                f"a browser's POST passes CSRF; Nginx answered 429 at attempt {attempt}"
            )
        # 403 here would be the CSRF check refusing the browser's Origin.
        check(
            response.status == 200 and b"Please enter the correct" in response.body,
            f"admin sign-in attempt {attempt}: {response.status} {response.body[:160]}",
        )
    raise StepFailed(f"no 429 after {ADMIN_PROBES} quick admin sign-in attempts")


CORS_ORIGIN = "https://app.example.com"
# More than the token path's burst: Nginx must not count preflights.
PREFLIGHTS = 12


@needs(CanRestartApp)
def cors_preflight(stack):
    """A browser's preflight through Nginx: no origin is allowed by default;
    a listed one is (DJANGO_CORS_ALLOWED_ORIGINS), and Nginx's rate limit on
    the token path does not count preflights."""
    headers = {
        "Origin": CORS_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }

    def preflight():
        return stack.https.request("OPTIONS", "/api/auth/token/", headers=headers)

    allowed = preflight().headers["Access-Control-Allow-Origin"]
    check(allowed is None, f"an unlisted origin was allowed: {allowed}")
    stack.restart_gunicorn(settings={"DJANGO_CORS_ALLOWED_ORIGINS": CORS_ORIGIN})
    try:
        for number in range(1, PREFLIGHTS + 1):
            response = preflight()
            allowed = response.headers["Access-Control-Allow-Origin"]
            check(
                response.status == 200 and allowed == CORS_ORIGIN,
                f"preflight {number}: {response.status}, allowed origin {allowed}",
            )
    finally:
        stack.restart_gunicorn(settings={"DJANGO_CORS_ALLOWED_ORIGINS": None})
    return (
        f"none allowed by default; {CORS_ORIGIN} once listed, {PREFLIGHTS} preflights"
    )
