"""Ways the cluster proofs look at the app hosts one by one: requests
straight to an app host's Gunicorn (from inside the load balancer, the only
host allowed to reach it), files compared across hosts, notes counted in
the database, a POST loop that remembers what each request was answered,
and the load balancer's access log telling which app host answered."""

import hashlib
import json

from generator.hosts.load import RequestLoop
from generator.processes import check

# Runs inside the load balancer (its python3; no third-party modules):
# each request a new connection, as the load balancer's would be.
ASK_APP_HOSTS = """
import http.client, json, sys
answers = []
for address, port, method, path, body, headers in json.load(sys.stdin):
    connection = http.client.HTTPConnection(address, port, timeout=10)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    headers = {name.lower(): value for name, value in response.getheaders()}
    answers.append([response.status, headers, response.read().decode(errors="replace")])
    connection.close()
print(json.dumps(answers))
"""
COUNT_NOTES = """
import json
from django.apps import apps
from django.db.models import Count
notes = apps.get_model("notes", "Note").objects.filter(title__startswith={prefix!r})
print(json.dumps(dict(notes.values_list("title").annotate(n=Count("id")))))
"""


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
    ran = stack.lb.run("python3", "-c", ASK_APP_HOSTS, input=json.dumps(requests))
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
    ran = host.manage("shell", "-c", COUNT_NOTES.format(prefix=prefix))
    return json.loads(ran.stdout.strip().splitlines()[-1])


class NoteLoop(RequestLoop):
    """POSTs of notes, each with a title of its own, bounded like any loop;
    remembers what each title was answered."""

    ok_status = 201

    def __init__(self, client, access, prefix, threads=2):
        super().__init__(client, threads=threads)
        self.access, self.prefix = access, prefix
        self.outcomes = {}

    def title(self, number):
        return f"{self.prefix}-{number}"

    def send(self, number):
        note = {"title": self.title(number)}
        return self.client.post("/api/notes/", note, token=self.access)

    def answered(self, number, outcome):
        self.outcomes[self.title(number)] = outcome

    def titles_answered(self, status):
        return sorted(t for t, outcome in self.outcomes.items() if outcome == status)


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
