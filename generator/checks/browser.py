"""The site's HTML pages in a real browser: headless Chromium loads the
Swagger UI and the admin's sign-in page through Nginx, under the
Content-Security-Policy the app sends them (config/csp.py). Each page must
render (the Swagger UI builds its operations with its script) and Chromium
must report no violation of the policy."""

import os
import re
import signal
import subprocess
import tempfile

from generator.checking import StepFailed, check
from generator.runner import once

# Chromium's own start-up traffic stays off (this machine's network is closed),
# and the page gets time to run its scripts.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=10000",
    "--dump-dom",
)
DEADLINE = 90
# How Chromium logs a console message, a policy violation among them.
VIOLATION = re.compile(r"CONSOLE.*Content Security Policy.*")
NETWORK_ERROR = re.compile(r"net::ERR_[A-Z_]+")
ATTEMPTS = 3


def pages(stack):
    """(path, what its rendered DOM holds) for each HTML page of the site."""
    found = [("/admin/login/", 'id="id_username"')]
    if stack.project.answers["api_docs"]:
        found.append(("/api/docs/", "opblock-summary-path"))
    return found


def rendered(stack, path):
    """Chromium's DOM of the page after its scripts ran, and its log."""
    site = stack.project.site_url
    with tempfile.TemporaryDirectory(prefix="prodstack-chromium-") as profile:
        command = [
            "chromium", *FLAGS, f"--user-data-dir={profile}",
            f"--host-resolver-rules=MAP {stack.project.domain} {stack.address}",
            site + path,
        ]  # fmt: skip
        browser = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            dom, log = browser.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.communicate()
            raise StepFailed(f"Chromium took over {DEADLINE}s for {path}") from None
    return dom, log


def rendered_with(stack, path, marker):
    """The page's DOM holding marker, and Chromium's log. Headless Chromium
    now and then dumps the DOM before the page has committed (seen once in
    a CI run, in 1.3 s): it loads the page again, a bounded number of
    times, and says how many it took."""
    for attempt in range(1, ATTEMPTS + 1):
        dom, log = rendered(stack, path)
        if marker in dom:
            return log, attempt
    errors = sorted(set(NETWORK_ERROR.findall(log)))
    raise StepFailed(
        f"{path} did not render in {ATTEMPTS} loads ({marker!r} missing): "
        f"{errors or 'no network error'}; the DOM begins {dom[:200]!r}"
    )


@once
def pages_under_policy(stack):
    """Every HTML page renders in Chromium with no policy violation."""
    seen = []
    for path, marker in pages(stack):
        log, attempts = rendered_with(stack, path, marker)
        violations = VIOLATION.findall(log)
        check(not violations, f"{path}: {violations[:2]}")
        seen.append(path if attempts == 1 else f"{path} (load {attempts})")
    return f"{', '.join(seen)} rendered in headless Chromium, no policy violation"
