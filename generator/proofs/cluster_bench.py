"""Throughput through the load balancer with one and with two app hosts:
wrk on this machine against the health view, once with app2 marked down in
the load balancer's upstream and once with both. All three hosts and wrk
share this machine's cores, so the ratio is a lower bound of what a second
app host on a machine of its own brings."""

import re
from contextlib import contextmanager

from generator.checking import StepFailed
from generator.measures import Row, run_wrk, table

CONNECTIONS = 16
WARM_UP_SECONDS = 2
ONE, TWO = "via the load balancer, 1 app host", "via the load balancer, 2 app hosts"


@contextmanager
def marked_down(stack, host):
    """host marked `down` in the load balancer's upstream (Nginx reloaded);
    as the deploy wrote it again on exit."""
    upstream = stack.deploy_path("nginx/upstream.conf")
    written = upstream.read_text()
    server = re.compile(
        rf"^(server {re.escape(host.address)}:\d+[^;]*?)( down)?;$", re.M
    )
    marked = server.sub(r"\1 down;", written)
    if marked == written:
        raise StepFailed(f"{host.name} is not in {upstream}:\n{written}")
    upstream.write_text(marked)
    stack.lb.run("systemctl", "reload", "nginx")
    try:
        yield
    finally:
        upstream.write_text(written)
        stack.lb.run("systemctl", "reload", "nginx")


def bench_cluster(stack, seconds, out=print):
    """The two measurements and their ratio; the rows as a dict."""
    hosts = stack.work / "bench-hosts"
    hosts.write_text(f"{stack.address} {stack.domain}\n")
    url = f"https://{stack.domain}:{stack.https_port}/api/health/"

    def measure(name):
        # The warm-up also lets Nginx's old workers (before a reload) go.
        run_wrk(url, {}, WARM_UP_SECONDS, CONNECTIONS, hosts)
        row = Row(name)
        row.runs.append(run_wrk(url, {}, seconds, CONNECTIONS, hosts))
        return row

    with marked_down(stack, stack.app2):
        one = measure(ONE)
    two = measure(TWO)
    for line in table([one, two]):
        out(line)
    ratio = two.median("rps") / one.median("rps")
    out(
        f"2 / 1 app hosts: {ratio:.2f}x requests/s ({CONNECTIONS} connections, "
        f"{seconds}s each; 3 hosts and wrk on this machine's cores)"
    )
    return {"bench_rps_1": one.median("rps"), "bench_rps_2": two.median("rps"),
            "bench_ratio": round(ratio, 2)}  # fmt: skip
