"""Every check verify runs, as data: (label, function of the stack), in the
order they run. Labels are what people and tests read."""

from generator.checks import (
    accounts,
    audits,
    edge,
    error_reports,
    faults,
    http,
    logs,
    metrics,
)

# On the project and its rendered files, once installed, before anything boots.
AUDITS = (
    ("ruff", audits.ruff),
    ("check --deploy", audits.check_deploy),
    ("project tests", audits.project_tests),
    ("schemathesis", audits.schema_fuzz),
    ("gunicorn --check-config", audits.gunicorn_config),
    ("systemd units", audits.units),
    ("nginx -t + gixy", audits.nginx_config),
)

# Through Nginx while the stack serves; it keeps serving afterwards.
HTTP = (
    ("JWT flow over HTTPS", http.jwt_flow),
    ("redirect, ACME, headers", http.edges),
    ("static files", http.static_files),
    ("TLS versions", edge.tls_versions),
    ("errors in JSON, no version", edge.errors),
    ("admin sign-in: CSRF, limit", edge.admin_sign_in),
    ("CORS preflight", edge.cors_preflight),
    ("password reset by email", accounts.password_reset),
    ("rate limit", http.rate_limit),
    ("HUP reload under load", http.reload),
    ("request id through the logs", logs.request_id),
    ("JSON logs", logs.json_logs),
    ("metrics: who may read", metrics.metrics_access),
    ("metrics count verify", metrics.metrics_count),
    ("Sentry: one report", error_reports.sentry_report),
)

# Break the stack on purpose: not run when it is to keep serving.
FAULTS = (
    ("worker killed under load", faults.worker_killed),
    ("database outage", faults.database_outage),
    ("gunicorn down: 502", faults.gunicorn_down),
)
