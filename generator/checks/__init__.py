"""Every check, as data: Steps (a label, a function of the stack), in the
order they run. Labels are what people and tests read. A check says what
it needs of a stack (@needs), and the runner runs it where it can: on the
local stack all of them, on hosts those their handles allow.
"""

from generator.checks import (
    accounts,
    audits,
    browser,
    edge,
    error_reports,
    faults,
    http,
    http2,
    logs,
    metrics,
)
from generator.runner import Step, runs_once

# On the project and its rendered files, once installed, before anything boots.
AUDITS = (
    Step("ruff", audits.ruff),
    Step("check --deploy", audits.check_deploy),
    Step("project tests", audits.project_tests),
    Step("schemathesis", audits.schema_fuzz),
    Step("gunicorn --check-config", audits.gunicorn_config),
    Step("systemd units", audits.units),
    Step("nginx -t + gixy", audits.nginx_config),
)

# Through Nginx while the stack serves; it keeps serving afterwards.
HTTP = (
    Step("JWT flow over HTTPS", http.jwt_flow),
    Step("redirect, ACME, headers", http.edges),
    Step("static files", http.static_files),
    Step("TLS versions", edge.tls_versions),
    Step("errors in JSON, no version", edge.errors),
    Step("HTTP/2 resets logged as JSON", http2.reset_requests),
    Step("admin sign-in: CSRF, limit", edge.admin_sign_in),
    Step("CORS preflight", edge.cors_preflight),
    Step("pages in Chromium under CSP", browser.pages_under_policy),
    Step("password reset by email", accounts.password_reset),
    Step("sign-up and new address by mail", accounts.sign_up_and_new_address),
    Step("rate limit", http.rate_limit),
    Step("HUP reload under load", http.reload),
    Step("request id through the logs", logs.request_id),
    Step("JSON logs", logs.json_logs),
    Step("metrics: who may read", metrics.metrics_access),
    Step("metrics count verify", metrics.metrics_count),
    Step("Sentry: one report", error_reports.sentry_report),
)

# Break the stack on purpose: not run when it is to keep serving.
FAULTS = (
    Step("worker killed under load", faults.worker_killed),
    Step("database outage", faults.database_outage),
    Step("gunicorn down: 502", faults.gunicorn_down),
)

# On hosts: after every action, the checks that leave the stack as they
# found it; after the first deploy those and then, while the budget is
# fresh, the ones that run once (the release takes long enough for the
# sign-in budget to come back before the next sign-in).
AFTER_EACH_ACTION = tuple(step for step in HTTP if not runs_once(step))
AFTER_FIRST_DEPLOY = AFTER_EACH_ACTION + tuple(step for step in HTTP if runs_once(step))
