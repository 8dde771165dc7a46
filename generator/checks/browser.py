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


@once
def pages_under_policy(stack):
    """Every HTML page renders in Chromium with no policy violation."""
    seen = []
    for path, marker in pages(stack):
        dom, log = rendered(stack, path)
        violations = VIOLATION.findall(log)
        check(not violations, f"{path}: {violations[:2]}")
        check(marker in dom, f"{path} did not render ({marker!r} missing)")
        seen.append(path)
    return f"{', '.join(seen)} rendered in headless Chromium, no policy violation"
