"""Ways the cluster proofs look at the app hosts one by one: requests
straight to an app host's Gunicorn (from inside the load balancer, the only
host allowed to reach it), files compared across hosts, notes counted in
the database, and the load balancer's access log telling which app host
answered. What runs on a host is in generator/programs/."""

import hashlib
import json

from generator import programs
from generator.checking import check


def straight_to_apps(stack, asked, client, hosts=None):
    """Each (method, path, JSON body or None) sent from the load balancer to
    an app host's Gunicorn, to app1 and app2 by turns unless `hosts` says
    which; as the load balancer forwards them (HTTPS, the site's name, and
    `client` in X-Forwarded-For). Returns [status, headers, body] each."""
    hosts = hosts or [stack.apps[number % 2] for number in range(len(asked))]
    headers = {"Host": stack.domain, "X-Forwarded-Proto": "https"}
    if client:
        headers["X-Forwarded-For"] = client
    requests = []
    for host, (method, path, body) in zip(hosts, asked, strict=True):
        extra = {"Content-Type": "application/json"} if body is not None else {}
        text = json.dumps(body) if body is not None else None
        requests.append(
            [host.address, stack.app_port, method, path, text, {**headers, **extra}]
        )
    ask = programs.source("ask_app_hosts")
    ran = stack.lb.run("python3", "-c", ask, input=json.dumps(requests))
    return json.loads(ran.stdout)


def same_value(hosts, path, extract):
    """extract(text of path) is the same on every host; its fingerprint."""
    values = {extract(host.inside(path).read_text()) for host in hosts}
    check(len(values) == 1, f"{path} differs between {[h.name for h in hosts]}")
    return f"sha256 {hashlib.sha256(values.pop().encode()).hexdigest()[:12]}"


def same_folder(hosts, folder):
    """Every file in folder is the same on every host; their names."""
    digests = [
        {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(host.inside(folder).iterdir())
            if path.is_file()
        }
        for host in hosts
    ]
    check(digests[0], f"no files in {folder} on {hosts[0].name}")
    check(
        all(files == digests[0] for files in digests),
        f"{folder} differs between {[h.name for h in hosts]}",
    )
    return sorted(digests[0])


def count_notes(host, prefix):
    """How many notes each title starting with prefix has, in the database."""
    count = programs.source("count_notes")
    ran = host.manage("shell", "-c", count, env={"NOTE_PREFIX": prefix})
    return json.loads(ran.stdout.strip().splitlines()[-1])


def answered_by(stack, host):
    """A probe: after one more GET through the load balancer, whether its
    access log shows an answer (200) from host since the probe was made."""
    log = stack.site_access_log
    start = log.stat().st_size
    upstream = f"{host.address}:{stack.app_port}"

    def probe():
        stack.https.get("/api/health/")
        with log.open("rb") as lines:
            lines.seek(start)
            for line in lines:
                entry = json.loads(line)
                # Tried in turn, comma-separated: the last one answered.
                answered = entry["upstream"].split(", ")[-1]
                if answered == upstream and entry["status"] == 200:
                    return True
        return False

    return probe
