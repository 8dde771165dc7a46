"""What `prodstack verify-cluster` proves on three hosts (cluster.py): the
load balancer with the database, two app hosts. One cluster serves the
whole sequence; each proof prints PASS or FAIL with its figure, as the
single-host proofs (proofs.py) do, and verify's stateless HTTP checks run
through the load balancer after each action.

Left out of those checks: the ones that need one host's own handles (its
Gunicorn socket, pids, journal or a restart with other settings: static
files via WhiteNoise, CORS, HUP reload, logs, metrics, Sentry) and the
password reset (it needs the mail sink the cluster does not make).
"""

import time

from generator import checks
from generator.checks import edge, http
from generator.hosts import proofs
from generator.hosts.app_hosts import (
    NoteLoop,
    answered_by,
    count_notes,
    same_folder,
    same_value,
    straight_to_apps,
)
from generator.hosts.cluster import cluster_stack
from generator.hosts.cluster_bench import bench_cluster
from generator.hosts.load import (
    RELEASE_HEADER,
    RequestLoop,
    check,
    poll,
)
from generator.hosts.make import RECAP

STATELESS = tuple(
    entry
    for entry in checks.HTTP
    if entry[1] in (http.jwt_flow, http.edges, edge.tls_versions, edge.errors)
)
# They spend this machine's sign-in budget: once, after the first deploy.
ONCE = tuple(entry for entry in checks.HTTP if entry[1] is http.rate_limit)
# A client address of nobody's (TEST-NET-2) for the throttle, as the load
# balancer would name it in X-Forwarded-For; one per proof that signs in.
THROTTLE_CLIENT, BLACKLIST_CLIENT = "198.51.100.7", "198.51.100.8"
# The app's own limit on the token endpoint (config/settings/base.py, scope
# "login": 10/minute).
LOGIN_LIMIT = 10
WRONG = {"username": "nobody", "password": "wrong"}
# How long app1 may take from boot to serving requests again.
BACK_DEADLINE = 90.0
# Requests the loops must have sent after the loss before it counts as
# taken: some 15 s, longer than the upstream's fail_timeout (10 s), so Nginx
# tries the lost host again at least once under load.
GETS_AFTER_LOSS, POSTS_AFTER_LOSS = 1500, 300


def prove_shared_secrets(stack, figures):
    """The same SECRET_KEY and JWT key files on every app host."""
    env = f"/etc/{stack.slug}/env"
    keys = f"{stack.deploy_root}/shared/keys"
    secret = same_value(stack.apps, env, _secret_key)
    files = same_folder(stack.apps, keys)
    figures["shared_key_files"] = len(files)
    return f"DJANGO_SECRET_KEY {secret} on both; key files identical: {files}"


def _secret_key(env_file):
    name = "DJANGO_SECRET_KEY="
    values = [line for line in env_file.splitlines() if line.startswith(name)]
    check(len(values) == 1 and values[0] != name, f"{name} is not set once")
    return values[0]


def prove_shared_throttle(stack, figures):
    """Wrong sign-ins straight to app1 and app2 by turns, as one client the
    load balancer names: the app's own "login" limit holds across hosts."""
    limit = LOGIN_LIMIT
    asked = [("POST", "/api/auth/token/", WRONG)] * (2 * limit + 2)
    answers = straight_to_apps(stack, asked, THROTTLE_CLIENT)
    statuses = [status for status, _, _ in answers]
    refused = statuses.index(429) if 429 in statuses else None
    check(refused == limit, f"the first 429 came at {refused}, not {limit}: {statuses}")
    check(set(statuses[limit:]) == {429}, f"after the limit: {statuses[limit:]}")
    figures["throttle_refused_at"] = refused
    return f"limit {limit}/minute: {limit} x 401 across both hosts, then 429"


def prove_shared_blacklist(stack, figures):
    """A refresh token logged out through app1 is refused by app2; app2
    takes app1's access token (the same signing key)."""
    # The rate limit check spent this address's sign-ins at Nginx.
    stack.new_client_address()
    stack.sign_in()
    user = stack.user
    (verified, _, _), (logout, _, _), (refresh, _, _) = straight_to_apps(
        stack,
        [
            ("POST", "/api/auth/token/verify/", {"token": user.access}),
            ("POST", "/api/auth/logout/", {"refresh": user.refresh}),
            ("POST", "/api/auth/token/refresh/", {"refresh": user.refresh}),
        ],
        BLACKLIST_CLIENT,
        hosts=(stack.app2, stack.app1, stack.app2),
    )
    check(verified == 200, f"app2 verified app1's token with {verified}")
    check(logout == 204, f"logout on app1 answered {logout}")
    check(refresh == 401, f"app2 took the logged-out refresh token ({refresh})")
    return "verify on app2 200; logout on app1 204; refresh on app2 401"


def prove_rolling_release(stack, figures):
    """proofs.py's release, rolled host by host; then both app hosts
    answer with the new code."""
    said = proofs.prove_release(stack, figures)
    answers = straight_to_apps(stack, [("GET", "/api/health/", None)] * 2, None)
    releases = [headers.get(RELEASE_HEADER.lower()) for _, headers, _ in answers]
    check(releases == ["second", "second"], f"app1, app2 answer as: {releases}")
    return said + "; app1 and app2 both serve it"


def prove_app_host_lost(stack, figures):
    """SIGKILL to app1's PID 1 under a GET loop and a POST loop through the
    load balancer: no GET fails but those cut short mid-answer, which Nginx
    cannot retry (counted apart); every POST answered 201 is stored once."""
    stack.new_client_address()
    stack.sign_in()
    gets = RequestLoop(stack.https, threads=stack.loop_threads)
    posts = NoteLoop(stack.https, stack.user.access, f"lost-{stack.run_id}")
    with gets as got, posts as posted:
        before = got.sent, posted.sent
        started = time.perf_counter()
        stack.app1.kill()
        killed_s = time.perf_counter() - started
        poll(lambda: got.sent >= before[0] + GETS_AFTER_LOSS, "GETs after the loss")
        poll(lambda: posted.sent >= before[1] + POSTS_AFTER_LOSS, "POSTs after loss")
    cut_short = got.failed["IncompleteRead"]
    other = got.failures - cut_short
    check(other == 0, f"{other} of {got.sent} GETs failed: {dict(got.failed)}")
    stored = count_notes(stack.app2, posts.prefix)
    created = posts.titles_answered(201)
    check(
        all(stored.get(title) == 1 for title in created),
        f"not every POST answered 201 is stored once: "
        f"{[t for t in created if stored.get(t) != 1][:5]}",
    )
    twice = [title for title, count in stored.items() if count > 1]
    check(not twice, f"stored twice: {twice[:5]}")
    unanswered = sorted(set(stored) - set(created))
    figures.update({
        "lost_gets": got.sent, "lost_get_failed": other,
        "lost_get_cut_short": cut_short,
        "lost_get_longest_ms": round(got.longest * 1000),
        "lost_posts": posted.sent, "lost_posts_created": len(created),
        "lost_post_failed": posted.failures, "lost_rows": sum(stored.values()),
        "lost_rows_unanswered": len(unanswered),
    })  # fmt: skip
    return (
        f"GETs: {got.sent}, {other} failed, {cut_short} cut short mid-answer, "
        f"longest {got.longest * 1000:.0f} ms; POSTs: {posted.sent}, "
        f"{len(created)} x 201 each stored once, {posted.failures} failed "
        f"{dict(posted.failed)}, {len(unanswered)} stored without a 201, none "
        f"twice; the kill took {killed_s:.1f}s"
    )


def prove_app_host_back(stack, figures):
    """app1 booted again (its firewall emptied first, as a real boot does):
    the load balancer's access log shows it answering within a deadline."""
    answered_by_app1 = answered_by(stack, stack.app1)
    started = time.perf_counter()
    stack.app1.boot()
    poll(answered_by_app1, "app1 to take traffic", BACK_DEADLINE)
    seconds = time.perf_counter() - started
    figures["back_to_serving_s"] = round(seconds, 1)
    return f"app1 answers through the load balancer {seconds:.1f}s after its boot"


def prove_no_change(stack, figures):
    """A second deploy changes nothing on any host."""
    run = stack.deploy()
    per_host = {row[0]: int(row[2]) for row in RECAP.findall(run.output)}
    check(set(per_host) == set(stack.hosts), f"recap names {sorted(per_host)}")
    check(not any(per_host.values()), f"changes on a second deploy: {per_host}")
    figures["no_change_deploy_s"] = round(run.seconds, 1)
    return f"changed=0 on {', '.join(sorted(per_host))} in {run.seconds:.1f}s"


SEQUENCE = (
    ("first deploy", proofs.prove_first_deploy, STATELESS + ONCE),
    ("secret and JWT keys shared", prove_shared_secrets, ()),
    ("throttle counts across app hosts", prove_shared_throttle, ()),
    ("logout on app1 refused on app2", prove_shared_blacklist, ()),
    ("rolling release under load", prove_rolling_release, STATELESS),
    ("rolling rollback under load", proofs.prove_rollback, STATELESS),
    ("app1 lost under GET and POST load", prove_app_host_lost, ()),
    ("app1 back, taking traffic", prove_app_host_back, STATELESS),
    ("second deploy, no change", prove_no_change, STATELESS),
)


def verify_cluster(project, bench_seconds=None, out=print):
    """Every proof in order on one cluster, then the bench if asked; the
    figures, or None when a proof failed (the cluster's logs are kept)."""
    started = time.perf_counter()
    try:
        with cluster_stack(project, out) as stack:
            figures = proofs.run_sequence(stack, SEQUENCE, out)
            if figures is None:
                # Leave through the stack's failure path, so its logs are kept.
                raise ProofFailed
            if bench_seconds:
                figures.update(bench_cluster(stack, bench_seconds, out))
    except ProofFailed:
        return None
    figures["total_s"] = round(time.perf_counter() - started, 1)
    out(f"proved {project} on three fresh hosts in {figures['total_s']:.0f}s")
    return figures


class ProofFailed(Exception):
    pass
