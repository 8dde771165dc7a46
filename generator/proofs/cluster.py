"""What `prodstack verify-cluster` proves on three hosts (stacks/cluster.py):
the load balancer with the database, two app hosts. One cluster serves the
whole sequence; each proof prints PASS or FAIL with its figure, as the
single-host proofs (host.py) do, and the checks run through the load
balancer after each action: those a cluster has the handles for (the
runner names the others, which need one host's socket, Gunicorn master,
journal, restarts or mail).
"""

import re
import time

from generator import checks
from generator.checking import check, poll
from generator.checks.http import wrong_sign_in
from generator.loops import LONG, NoteLoop, RequestLoop
from generator.programs.release_probe import HEADER, SECOND
from generator.proofs import prove_on
from generator.proofs.app_hosts import (
    answered_by,
    count_notes,
    same_folder,
    same_value,
    straight_to_apps,
)
from generator.proofs.cluster_bench import bench_cluster
from generator.proofs.deploys import (
    prove_first_deploy,
    prove_no_change_on_each_host,
    prove_release,
    prove_rollback,
)
from generator.runner import Found, Step
from generator.stacks.cluster import cluster_stack
from generator.stacks.contract import CanDeploy, IsCluster, MakesNewClients, needs

# A client address of nobody's (TEST-NET-2) for the throttle, as the load
# balancer would name it in X-Forwarded-For; one per proof that signs in.
THROTTLE_CLIENT, BLACKLIST_CLIENT = "198.51.100.7", "198.51.100.8"
# How long app1 may take from boot to serving requests again.
BACK_DEADLINE = 90.0
# Requests the loops must have sent after the loss before it counts as
# taken: some 15 s, longer than the upstream's fail_timeout (10 s), so Nginx
# tries the lost host again at least once under load.
GETS_AFTER_LOSS, POSTS_AFTER_LOSS = 1500, 300


def login_limit(settings):
    """The app's own limit on the token endpoint, a minute: the "login"
    scope's rate in the text of config/settings/base.py."""
    match = re.search(r'"login": "(\d+)/minute"', settings)
    check(match, 'config/settings/base.py has no "login" rate per minute')
    return int(match.group(1))


@needs(IsCluster)
def prove_shared_secrets(stack):
    """The same SECRET_KEY and JWT key files on every app host."""
    env = f"/etc/{stack.slug}/env"
    keys = f"{stack.deploy_root}/shared/keys"
    secret = same_value(stack.apps, env, _secret_key)
    files = same_folder(stack.apps, keys)
    return Found(
        f"DJANGO_SECRET_KEY {secret} on both; key files identical: {files}",
        {"shared_key_files": len(files)},
    )


def _secret_key(env_file):
    name = "DJANGO_SECRET_KEY="
    values = [line for line in env_file.splitlines() if line.startswith(name)]
    check(len(values) == 1 and values[0] != name, f"{name} is not set once")
    return values[0]


@needs(IsCluster)
def prove_shared_throttle(stack):
    """Wrong sign-ins straight to app1 and app2 by turns, as one client the
    load balancer names: the app's own "login" limit holds across hosts."""
    limit = login_limit((stack.path / "config/settings/base.py").read_text())
    asked = [
        ("POST", "/api/auth/token/", wrong_sign_in(number))
        for number in range(2 * limit + 2)
    ]
    answers = straight_to_apps(stack, asked, THROTTLE_CLIENT)
    statuses = [status for status, _, _ in answers]
    refused = statuses.index(429) if 429 in statuses else None
    check(refused == limit, f"the first 429 came at {refused}, not {limit}: {statuses}")
    check(set(statuses[limit:]) == {429}, f"after the limit: {statuses[limit:]}")
    return Found(
        f"limit {limit}/minute: {limit} x 401 across both hosts, then 429",
        {"throttle_refused_at": refused},
    )


@needs(IsCluster, MakesNewClients)
def prove_shared_blacklist(stack):
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


@needs(CanDeploy, IsCluster)
def prove_rolling_release(stack):
    """deploys.py's release, rolled host by host; then both app hosts
    answer with the new code."""
    found = prove_release(stack)
    answers = straight_to_apps(stack, [("GET", "/api/health/", None)] * 2, None)
    releases = [headers.get(HEADER.lower()) for _, headers, _ in answers]
    check(releases == [SECOND, SECOND], f"app1, app2 answer as: {releases}")
    return Found(found.detail + "; app1 and app2 both serve it", found.figures)


@needs(IsCluster, MakesNewClients)
def prove_app_host_lost(stack):
    """SIGKILL to app1's PID 1 under a GET loop and a POST loop through the
    load balancer: no GET fails but those cut short mid-answer, which Nginx
    cannot retry (counted apart); every POST answered 201 is stored once."""
    stack.new_client_address()
    stack.sign_in()
    gets = RequestLoop(stack.https, threads=stack.loop_threads, limit=LONG)
    posts = NoteLoop(stack.https, stack.user.access, f"lost-{stack.run_id}", 2)
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
    figures = {
        "lost_gets": got.sent, "lost_get_failed": other,
        "lost_get_cut_short": cut_short,
        "lost_get_longest_ms": round(got.longest * 1000),
        "lost_posts": posted.sent, "lost_posts_created": len(created),
        "lost_post_failed": posted.failures, "lost_rows": sum(stored.values()),
        "lost_rows_unanswered": len(unanswered),
    }  # fmt: skip
    return Found(
        f"GETs: {got.sent}, {other} failed, {cut_short} cut short mid-answer, "
        f"longest {got.longest * 1000:.0f} ms; POSTs: {posted.sent}, "
        f"{len(created)} x 201 each stored once, {posted.failures} failed "
        f"{dict(posted.failed)}, {len(unanswered)} stored without a 201, none "
        f"twice; the kill took {killed_s:.1f}s",
        figures,
    )


@needs(IsCluster)
def prove_app_host_back(stack):
    """app1 booted again (its firewall emptied first, as a real boot does):
    the load balancer's access log shows it answering within a deadline."""
    answered_by_app1 = answered_by(stack, stack.app1)
    started = time.perf_counter()
    stack.app1.boot()
    poll(answered_by_app1, "app1 to take traffic", BACK_DEADLINE)
    seconds = time.perf_counter() - started
    return Found(
        f"app1 answers through the load balancer {seconds:.1f}s after its boot",
        {"back_to_serving_s": round(seconds, 1)},
    )


AFTER_EACH = checks.AFTER_EACH_ACTION
SEQUENCE = (
    Step("first deploy", prove_first_deploy, checks.AFTER_FIRST_DEPLOY),
    Step("secret and JWT keys shared", prove_shared_secrets),
    Step("throttle counts across app hosts", prove_shared_throttle),
    Step("logout on app1 refused on app2", prove_shared_blacklist),
    Step("rolling release under load", prove_rolling_release, AFTER_EACH),
    Step("rolling rollback under load", prove_rollback, AFTER_EACH),
    Step("app1 lost under GET and POST load", prove_app_host_lost),
    Step("app1 back, taking traffic", prove_app_host_back, AFTER_EACH),
    Step("second deploy, no change", prove_no_change_on_each_host, AFTER_EACH),
)


def verify_cluster(project, bench_seconds=None, out=print):
    """Every proof in order on one cluster, then the bench if asked; the
    Report (the cluster's logs are kept when a proof failed)."""

    def bench(stack):
        return bench_cluster(stack, bench_seconds, out) if bench_seconds else {}

    report = prove_on(cluster_stack, project, SEQUENCE, out, after=bench)
    if report.passed:
        seconds = report.figures["total_s"]
        out(f"proved {project} on three fresh hosts in {seconds:.0f}s")
    return report
