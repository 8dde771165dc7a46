"""The metrics path, checked through Nginx: who may read it, and that its
numbers count verify's own requests across every Gunicorn worker."""

import re

from generator.checking import check, poll
from generator.checks.logs import LOG_DEADLINE, parsed
from generator.stacks.contract import (
    HasClientAddresses,
    HasGunicornMaster,
    HasJournal,
    needs,
)

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {label: value}, value)] for every sample line."""
    samples = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            name, labels, value = match.groups()
            samples.append((name, dict(LABEL.findall(labels or "")), float(value)))
    return samples


def metrics_from(response):
    check(response.status == 200, f"/metrics answered {response.status}")
    return parse_metrics(response.body.decode())


def sample(samples, name, **labels):
    """The sum of the samples called `name` that have these label values."""
    return sum(
        value
        for sample_name, sample_labels, value in samples
        if sample_name == name
        and all(sample_labels.get(key) == wanted for key, wanted in labels.items())
    )


@needs(HasClientAddresses, HasGunicornMaster)
def metrics_access(stack):
    """/metrics answers the serving host itself and the addresses
    metrics-allow.conf lists, and nobody else, however the path is spelled."""
    allowed = stack.https_on_host.get("/metrics")
    check(allowed.status == 200, f"/metrics from the host itself: {allowed.status}")
    workers = sample(metrics_from(allowed), "gunicorn_workers")
    check(
        workers == len(stack.worker_pids()),
        f"gunicorn_workers is {workers}, there are {len(stack.worker_pids())}",
    )
    stranger = stack.https_from(stack.stranger)
    for path in ("/metrics", "//metrics", "/%6Detrics", "/./metrics"):
        refused = stranger.get(path)
        check(
            refused.status == 403 and b"django_http" not in refused.body,
            f"{path} from {stack.stranger} answered {refused.status}",
        )

    scraper = stack.https_from(stack.scraper)
    stack.put_metrics_allow(f"allow {stack.scraper};\n")
    stack.reload_nginx()
    try:
        poll(
            lambda: scraper.get("/metrics").status == 200,
            f"/metrics to answer {stack.scraper} once metrics-allow.conf lists it",
        )
        still = stranger.get("/metrics").status
        check(still == 403, f"listing {stack.scraper} let {stack.stranger} in: {still}")
    finally:
        stack.put_metrics_allow(None)
        stack.reload_nginx()
    poll(
        lambda: scraper.get("/metrics").status == 403,
        f"/metrics to refuse {stack.scraper} again",
    )
    return (
        f"200 to the host itself ({workers:.0f} workers alive), and to {stack.scraper} "
        f"while listed; 403 to {stack.stranger} for 4 spellings"
    )


@needs(HasClientAddresses, HasJournal)
def metrics_count(stack, requests=25):
    """The counts are verify's own requests, summed over every worker that
    served them, old and new: health/ counted once per request, and every
    request Gunicorn logged since it started counted once."""
    health = {"view": "health", "method": "GET", "status": "200"}
    responses = "django_http_responses_total_by_status_view_method_total"
    scraper = stack.https_on_host
    before = sample(metrics_from(scraper.get("/metrics")), responses, **health)
    for _ in range(requests):
        check(stack.https.get("/api/health/").status == 200, "health/ failed")
    metrics = metrics_from(scraper.get("/metrics"))
    after = sample(metrics, responses, **health)
    check(
        after - before == requests,
        f"{requests} health/ requests counted as {after - before}",
    )

    # Counted as it began; Gunicorn logs each request once it has answered.
    counted = sample(metrics, "django_http_requests_before_middlewares_total")

    def access_lines():
        lines = parsed(stack.app_log_lines())
        return [line for line in lines if line["logger"] == "gunicorn.access"]

    poll(
        lambda: len(access_lines()) >= counted,
        f"Gunicorn to log the {counted:.0f} requests /metrics counted",
        deadline=LOG_DEADLINE,
        log=stack.gunicorn_log,
    )
    logged = access_lines()
    check(
        len(logged) == counted,
        f"Gunicorn logged {len(logged)} requests, /metrics counted {counted:.0f}",
    )
    workers = {line["pid"] for line in logged}
    queries = sample(metrics, "django_db_execute_total")
    check(queries > 0, "no database queries counted")
    return (
        f"health/ +{requests}; all {len(logged)} requests counted, served by "
        f"{len(workers)} workers; {queries:.0f} queries"
    )
