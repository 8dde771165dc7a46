"""The backup proofs on a real host: users and notes made through the API,
a backup taken while a bounded write loop runs, the data destroyed and the
host's own copy deleted, then `make restore` from the off-host copy. Every
user, note and token is back as the backup had them, and the loop's notes
are a prefix of what it wrote: the backup is one state, not a torn file.
And a backup that cannot write fails loudly: the unit fails and its
OnFailure= hook runs."""

import tarfile
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator.hosts.load import check, poll
from generator.stack import User

USERS = 3
NOTES_EACH = 3
# The write loop: bounded in count and time, and it stops by itself.
WRITE_LIMIT = (2000, 120)
WRITES_AROUND_BACKUP = 10


@dataclass
class Account:
    user: User
    client: object
    notes: list = field(default_factory=list)

    def get(self, path):
        return self.client.get(path, token=self.user.access)

    def post(self, path, body):
        return self.client.post(path, body, token=self.user.access)


class WriteLoop:
    """Notes posted one after another by one account, until stopped or
    bounded; remembers the titles that were answered 201, in order."""

    def __init__(self, account):
        self.account = account
        self.written, self.failures = [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self):
        limit, seconds = WRITE_LIMIT
        deadline = time.monotonic() + seconds
        for index in range(limit):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            title = f"loop-{index:05d}"
            try:
                answer = self.account.post("/api/notes/", {"title": title})
            except OSError:
                self.failures += 1
                continue
            if answer.status == 201:
                self.written.append(title)
            else:
                self.failures += 1


def _make_accounts(stack):
    """USERS accounts, each signed in from an address of its own (the
    sign-up and sign-in limits count per address)."""
    accounts = []
    for _ in range(USERS):
        stack.new_client_address()
        user = User.fresh()
        account = Account(user, stack.https)
        if stack.project.answers["allow_registration"]:
            signed_up = stack.https.post(
                "/api/auth/register/",
                {
                    "username": user.username,
                    "email": user.email,
                    "password": user.password,
                },
            )
            check(signed_up.status == 201, f"sign-up answered {signed_up.status}")
        else:
            stack.create_superuser(user)
        tokens = stack.https.post("/api/auth/token/", user.credentials)
        check(tokens.status == 200, f"sign-in answered {tokens.status}")
        user.access, user.refresh = tokens.json()["access"], tokens.json()["refresh"]
        accounts.append(account)
    return accounts


def _titles(account):
    """Every note title the account sees, following the cursor pages."""
    titles, path = [], "/api/notes/"
    while path:
        page = account.get(path)
        check(page.status == 200, f"notes answered {page.status}")
        body = page.json()
        titles += [note["title"] for note in body["results"]]
        url = body.get("next")
        path = url and urlsplit(url)._replace(scheme="", netloc="").geturl()
    return titles


def _destroy_data(stack):
    if stack.project.answers["database"] == "postgresql":
        stack.run("runuser", "-u", "postgres", "--", "dropdb", "--force", stack.slug)
        listed = stack.run(
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-Atc",
            "SELECT datname FROM pg_database",
        ).stdout.split()
        check(stack.slug not in listed, "the database is still there")
        return "database dropped"
    database = f"{stack.deploy_root}/shared/db.sqlite3"
    stack.run("sh", "-c", f"rm -f {database} {database}-wal {database}-shm")
    check(
        not stack.deploy_path("shared/db.sqlite3").exists(), "db.sqlite3 is still there"
    )
    return "db.sqlite3 deleted"


def prove_backup_and_restore(stack, figures):
    """Backup under writes, data and local copy destroyed, restore from the
    off-host copy; everything the backup held is back."""
    accounts = _make_accounts(stack)
    notes = stack.project.answers["example_api"]
    if notes:
        for account in accounts:
            for index in range(NOTES_EACH):
                title = f"{account.user.username}-{index}"
                check(
                    account.post("/api/notes/", {"title": title}).status == 201,
                    "a note was refused",
                )
                account.notes.append(title)
    logged_out = accounts[-1]
    answer = logged_out.client.post(
        "/api/auth/logout/", {"refresh": logged_out.user.refresh}
    )
    check(answer.status == 204, f"logout answered {answer.status}")

    backups = f"/var/backups/{stack.slug}"
    if notes:
        with WriteLoop(accounts[0]) as loop:
            poll(
                lambda: len(loop.written) >= WRITES_AROUND_BACKUP, "notes from the loop"
            )
            before = len(loop.written)
            seconds = stack.backup()
            after = len(loop.written)
            poll(
                lambda: len(loop.written) >= after + WRITES_AROUND_BACKUP,
                "notes after the backup",
            )
        check(loop.failures == 0, f"{loop.failures} writes failed during the backup")
    else:
        seconds = stack.backup()
    local = stack.run("sh", "-c", f"ls {backups}").stdout.split()
    suffix = (
        ".dump" if stack.project.answers["database"] == "postgresql" else ".sqlite3"
    )
    made = [name for name in local if name.endswith(suffix)]
    check(len(made) == 1, f"the backup folder holds {local}")
    copied = stack.offsite.files(made[0])
    check(copied, f"{made[0]} was not copied off the host: {stack.offsite.files()}")
    secrets = stack.offsite.files(f"{stack.slug}-secrets-*.tar")
    check(secrets, "the secrets were not copied off the host (BACKUP_SECRETS=yes)")
    with tarfile.open(secrets[0]) as archive:
        held = archive.getnames()
    want = [f"etc/{stack.slug}/env"]
    if stack.project.answers["jwt_algorithm"] == "RS256":
        want.append(f"{stack.deploy_root.lstrip('/')}/shared/keys/jwt_private.pem")
    check(set(want) <= set(held), f"the secrets archive holds {held}, not {want}")
    size = copied[0].stat().st_size

    destroyed = _destroy_data(stack)
    stack.run("sh", "-c", f"rm -f {backups}/*")
    restore = stack.restore(copied[0])

    for account in accounts:
        me = account.get("/api/auth/me/")
        check(
            me.status == 200 and me.json()["username"] == account.user.username,
            f"{account.user.username}'s token after the restore: {me.status}",
        )
        if notes:
            seen = [t for t in _titles(account) if not t.startswith("loop-")]
            check(
                sorted(seen) == sorted(account.notes),
                f"{account.user.username}'s notes after the restore: {seen}",
            )
        refreshed = account.client.post(
            "/api/auth/token/refresh/", {"refresh": account.user.refresh}
        )
        want = 401 if account is logged_out else 200
        check(
            refreshed.status == want,
            f"refresh after the restore answered {refreshed.status}, not {want}",
        )
    detail = ""
    if notes:
        restored = sorted(t for t in _titles(accounts[0]) if t.startswith("loop-"))
        check(
            restored == loop.written[: len(restored)],
            "the restored loop notes are not a prefix of those written: torn",
        )
        # One write is in flight at a time: it may be in the backup although
        # its answer came after the backup's.
        check(
            before <= len(restored) <= after + 1,
            f"{len(restored)} loop notes restored; the backup ran between "
            f"{before} and {after}",
        )
        figures["backup_loop_notes"] = len(restored)
        detail = (
            f"; under a write loop ({len(loop.written)} notes, 0 failed; the "
            f"backup ran while notes {before + 1} to {after} were written) it "
            f"holds the first {len(restored)}, none torn"
        )
    figures.update(
        backup_s=round(seconds, 2),
        backup_bytes=size,
        restore_s=round(restore.seconds, 1),
    )
    return (
        f"backup {size} bytes in {seconds:.2f}s, copied off the host (and the "
        f"secrets: {len(held)} files); {destroyed}, local copy deleted; "
        f"`make restore` from the off-host copy in {restore.seconds:.1f}s: "
        f"{USERS} users"
        f"{', their notes' if notes else ''} and tokens back, the logged-out "
        f"refresh token still refused{detail}"
    )


def prove_failed_backup_is_loud(stack, figures):
    """A backup folder it cannot write to: the unit fails, systemd shows it,
    and the OnFailure= hook runs BACKUP_FAILED_COMMAND."""
    unit = f"{stack.slug}-backup.service"
    backups = f"/var/backups/{stack.slug}"
    stack.run("chmod", "0500", backups)
    try:
        started = stack.run("systemctl", "start", unit, check=False, timeout=300)
        check(started.returncode != 0, "the backup unit succeeded without a folder")
        state = stack.run("systemctl", "is-failed", unit, check=False).stdout.strip()
        check(state == "failed", f"systemctl is-failed {unit}: {state}")
        alert = f"backup alert: {unit} exit-code"
        poll(
            lambda: (
                alert
                in stack.run(
                    "journalctl",
                    "--no-pager",
                    "--output=cat",
                    "-u",
                    f"{stack.slug}-backup-failed.service",
                ).stdout
            ),
            "the OnFailure= hook to run",
        )
        said = stack.run(
            "journalctl",
            "--no-pager",
            "--output=cat",
            "-p",
            "err",
            "-u",
            f"{stack.slug}-backup-failed.service",
        ).stdout
        check(f"{unit} failed" in said, "no error-priority line about the failure")
    finally:
        stack.run("chmod", "0700", backups)
    stack.run("systemctl", "reset-failed", unit)
    seconds = stack.backup()
    return (
        f"unwritable folder: {unit} failed, `systemctl is-failed` says so, the "
        f"hook ran ('{alert}'); writable again: the next backup took {seconds:.2f}s"
    )
