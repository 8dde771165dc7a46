"""Checks over HTTPS through the stack's Nginx: the JWT flow, the edges of the
site (redirect, ACME path, unknown hosts, headers), static files, the rate
limit, and a configuration reload under load. None of them leaves state that
another needs; each may run again after the stack was changed."""

import signal

from generator.checking import StepFailed, check, poll
from generator.loopback import http_client, https_client
from generator.loops import RequestLoop
from generator.runner import once
from generator.socket_gunicorn import FORWARDED
from generator.stacks.contract import HasAppSocket, HasGunicornMaster, needs
from generator.stacks.users import fresh_client

RATE_LIMIT_PROBES = 20
# The app's policy for its API answers, and Nginx's for its own (config/csp.py).
STRICT_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# Seconds until a token request passes Nginx's limit again (10 a minute).
TOKEN_LIMIT_WAIT = "6"


def wrong_sign_in(number):
    """A sign-in that is refused, for the per-client limits on the token
    endpoint: a username of its own each time, as the app also slows one
    username after a few wrong passwords (accounts/signin.py)."""
    return {"username": f"nobody{number}", "password": "wrong"}


def jwt_flow(stack):
    """Sign in, me/, rotation, reuse revokes the family, logout."""
    https, user = stack.https, stack.user
    response = https.post("/api/auth/token/", user.credentials)
    check(
        response.status == 200,
        f"token answered {response.status}: {response.body[:200]}",
    )
    first = response.json()
    check(https.get("/api/auth/me/").status == 401, "me/ without a token was not 401")
    me = https.get("/api/auth/me/", token=first["access"])
    check(
        me.status == 200 and me.json()["username"] == user.username,
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
        reused.status == 401, f"a rotated refresh token worked again ({reused.status})"
    )
    # Reuse means the token leaked: the whole family is revoked, the stack's
    # own refresh token included (its access token lives on until it expires).
    family = https.post("/api/auth/token/refresh/", {"refresh": second["refresh"]})
    check(
        family.status == 401,
        f"reuse left the newest refresh token working ({family.status})",
    )

    third = https.post("/api/auth/token/", user.credentials)
    check(third.status == 200, f"signing in again answered {third.status}")
    third = third.json()
    verify = https.post("/api/auth/token/verify/", {"token": third["access"]})
    check(verify.status == 200, f"verify answered {verify.status}")
    if stack.project.answers["example_api"]:
        created = https.post("/api/notes/", {"title": "verify"}, token=third["access"])
        check(created.status == 201, f"creating a note answered {created.status}")
        newest = https.get("/api/notes/", token=third["access"]).json()["results"][0]
        check(
            newest["id"] == created.json()["id"],
            f"the list does not start with the new note: {newest}",
        )

    logout = https.post("/api/auth/logout/", {"refresh": third["refresh"]})
    check(logout.status == 204, f"logout answered {logout.status}")
    after = https.post("/api/auth/token/refresh/", {"refresh": third["refresh"]})
    check(after.status == 401, f"a logged-out refresh token worked ({after.status})")
    return "sign-in, me, rotation, reuse revokes the family, logout, refused after"


def edges(stack):
    """Redirect, ACME path, unknown hosts, and the response headers."""
    project = stack.project
    redirect = stack.http.get("/api/health/?x=1")
    expected = f"{project.site_url}/api/health/?x=1"
    check(
        redirect.status == 301 and redirect.headers["Location"] == expected,
        f"HTTP answered {redirect.status} {redirect.headers['Location']}",
    )

    stack.put_acme_challenge("verify-token", "acme-ok")
    acme = stack.http.get("/.well-known/acme-challenge/verify-token")
    check(
        acme.status == 200 and acme.body == b"acme-ok",
        f"ACME path answered {acme.status}",
    )

    strangers = (
        ("HTTP", http_client("unknown.example", project.http_port, stack.address)),
        (
            "HTTPS",
            https_client(
                "unknown.example", project.https_port, stack.certificate, stack.address
            ),
        ),
    )
    for name, client in strangers:
        try:
            stray = client.get("/").status
        except OSError:  # connection closed (444) or handshake refused
            stray = None
        check(stray is None, f"{name} to an unknown host name answered {stray}")

    response = stack.https.get("/api/health/")
    hsts = response.header_values("Strict-Transport-Security")
    check(len(hsts) == 1 and "max-age=31536000" in hsts[0], f"HSTS headers: {hsts}")
    for name, value in (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", STRICT_POLICY),
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


@needs(HasAppSocket)
def static_files(stack):
    """A hashed static file through Nginx, and through WhiteNoise behind it."""
    path = f"/static/{stack.static_file}"
    gzip = {"Accept-Encoding": "gzip"}
    by_nginx = stack.https.get(path, headers=gzip)
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
    manifest = stack.https.get("/static/staticfiles.json")
    check(manifest.status == 404, f"the static manifest answered {manifest.status}")
    by_whitenoise = stack.direct.get(path, headers={**gzip, **FORWARDED})
    check(by_whitenoise.status == 200, f"WhiteNoise answered {by_whitenoise.status}")
    check(
        by_whitenoise.headers["Content-Encoding"] == "gzip",
        "WhiteNoise did not compress",
    )
    check(
        "immutable" in by_whitenoise.headers["Cache-Control"],
        "WhiteNoise did not cache forever",
    )
    return f"{path}: Nginx gzip_static + immutable; WhiteNoise gzip + immutable"


@once
def rate_limit(stack):
    """Quick wrong sign-ins meet Nginx's 429 (JSON) before the app's own.

    From an address with both budgets whole: Nginx lets fewer quick ones
    through than the app allows a minute, so which answers first does not
    depend on how many sign-ins the checks before made. It spends the
    address's budget for a while, so it runs after every other check that
    signs in."""
    https = fresh_client(stack)
    for attempt in range(1, RATE_LIMIT_PROBES + 1):
        response = https.post("/api/auth/token/", wrong_sign_in(attempt))
        if response.status == 429:
            check(
                response.json()
                == {"detail": "Too many requests.", "code": "throttled"},
                f"429 came from Django, not Nginx: {response.body}",
            )
            wait = response.header_values("Retry-After")
            check(wait == [TOKEN_LIMIT_WAIT], f"Nginx's 429 said Retry-After: {wait}")
            return (
                f"Nginx answered 429 (JSON) at attempt {attempt}, "
                f"Retry-After: {TOKEN_LIMIT_WAIT}"
            )
        check(response.status == 401, f"wrong credentials answered {response.status}")
    raise StepFailed(f"no 429 after {RATE_LIMIT_PROBES} quick token requests")


@once
@needs(HasGunicornMaster)
def reload(stack):
    """HUP Gunicorn under a bounded request loop: every worker is replaced
    (the configuration is read again) and no request fails."""
    old_workers = stack.worker_pids()
    with RequestLoop(stack.https) as loop:
        stack.signal(stack.gunicorn_pid, signal.SIGHUP)
        poll(
            lambda: stack.worker_pids() and not (stack.worker_pids() & old_workers),
            "every worker to be replaced after HUP",
            log=stack.gunicorn_log,
        )
        loop.wait_for_more()
    loop.check_none_failed()
    return f"{loop.summary()}; all {len(old_workers)} workers replaced"
