"""The backup proofs on a real host: users and notes made through the API,
a backup taken while a bounded write loop runs, the data destroyed and the
host's own copy deleted, then `make restore` from the off-host copy. Every
user, note and token is back as the backup had them, and the loop's notes
are a prefix of what it wrote: the backup is one state, not a torn file.
And a backup that cannot write fails loudly: the unit fails and its
OnFailure= hook runs."""

import tarfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator.checking import check, poll
from generator.loops import Limit, NoteLoop
from generator.runner import Found
from generator.stacks.contract import (
    CanBackUp,
    HasHostShell,
    MakesNewClients,
    needs,
)
from generator.stacks.users import User, sign_in, sign_up

USERS = 3
NOTES_EACH = 3
# The write loop: one note after another, bounded in count and time.
WRITE_LIMIT = Limit(2000, 120.0)
WRITES_AROUND_BACKUP = 10
LOOP_PREFIX = "loop"


@dataclass
class Account:
    user: User
    client: object
    notes: list = field(default_factory=list)

    def get(self, path):
        return self.client.get(path, token=self.user.access)

    def post(self, path, body):
        return self.client.post(path, body, token=self.user.access)


@dataclass
class Backup:
    """A backup the host made and copied off: the copy, and how long it took."""

    seconds: float
    copy: object  # its path on the off-host target
    secrets_held: list  # the names in the secrets archive copied beside it


@dataclass
class WritesAround:
    """The write loop's notes, in order, and how many were answered before
    the backup began and when it ended."""

    written: list
    before: int
    after: int


def _make_accounts(stack):
    """USERS accounts, each signed in from an address of its own (the
    sign-up and sign-in limits count per address)."""
    accounts = []
    for _ in range(USERS):
        stack.new_client_address()
        account = Account(User.fresh(), stack.https)
        sign_up(stack, account.user)
        sign_in(account.client, account.user)
        accounts.append(account)
    return accounts


def _write_notes(accounts):
    for account in accounts:
        for index in range(NOTES_EACH):
            title = f"{account.user.username}-{index}"
            answer = account.post("/api/notes/", {"title": title})
            check(answer.status == 201, f"a note was refused: {answer.status}")
            account.notes.append(title)


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


def _back_up_under_writes(stack, account):
    """The backup, taken while the account writes notes one after another."""
    loop = NoteLoop(account.client, account.user.access, LOOP_PREFIX, limit=WRITE_LIMIT)
    with loop:
        written = loop.titles_answered
        poll(lambda: len(written()) >= WRITES_AROUND_BACKUP, "notes from the loop")
        before = len(written())
        seconds = stack.backup()
        after = len(written())
        poll(
            lambda: len(written()) >= after + WRITES_AROUND_BACKUP,
            "notes after the backup",
        )
    check(loop.failures == 0, f"{loop.failures} writes failed during the backup")
    return seconds, WritesAround(written(), before, after)


def _copied_off(stack, seconds):
    """The one backup in the host's folder, copied off the host, with the
    secrets archive beside it."""
    backups = f"/var/backups/{stack.slug}"
    local = stack.run("sh", "-c", f"ls {backups}").stdout.split()
    postgresql = stack.project.answers["database"] == "postgresql"
    made = [
        name for name in local if name.endswith(".dump" if postgresql else ".sqlite3")
    ]
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
    return Backup(seconds, copied[0], held)


def _destroy_data(stack):
    """The database gone, and the host's own copies of the backup."""
    if stack.project.answers["database"] == "postgresql":
        stack.run("runuser", "-u", "postgres", "--", "dropdb", "--force", stack.slug)
        listed = stack.run(
            "runuser", "-u", "postgres", "--",
            "psql", "-Atc", "SELECT datname FROM pg_database",
        ).stdout.split()  # fmt: skip
        check(stack.slug not in listed, "the database is still there")
        destroyed = "database dropped"
    else:
        database = f"{stack.deploy_root}/shared/db.sqlite3"
        stack.run("sh", "-c", f"rm -f {database} {database}-wal {database}-shm")
        check(
            not stack.deploy_path("shared/db.sqlite3").exists(),
            "db.sqlite3 is still there",
        )
        destroyed = "db.sqlite3 deleted"
    stack.run("sh", "-c", f"rm -f /var/backups/{stack.slug}/*")
    return destroyed


def _check_accounts_back(accounts, logged_out):
    """Each user signs in with its old token, sees its notes, and its
    refresh token works, but for the one logged out before the backup."""
    for account in accounts:
        name = account.user.username
        me = account.get("/api/auth/me/")
        check(
            me.status == 200 and me.json()["username"] == name,
            f"{name}'s token after the restore: {me.status}",
        )
        if account.notes:
            seen = [t for t in _titles(account) if not t.startswith(LOOP_PREFIX)]
            check(
                sorted(seen) == sorted(account.notes),
                f"{name}'s notes after the restore: {seen}",
            )
        refreshed = account.client.post(
            "/api/auth/token/refresh/", {"refresh": account.user.refresh}
        )
        want = 401 if account is logged_out else 200
        check(
            refreshed.status == want,
            f"refresh after the restore answered {refreshed.status}, not {want}",
        )


def _check_loop_back(account, writes):
    """The loop's notes the restore brought back: the first ones written,
    none torn, as many as were answered while the backup ran."""
    restored = sorted(t for t in _titles(account) if t.startswith(LOOP_PREFIX))
    check(
        restored == writes.written[: len(restored)],
        "the restored loop notes are not a prefix of those written: torn",
    )
    # One write is in flight at a time: it may be in the backup although its
    # answer came after the backup's.
    check(
        writes.before <= len(restored) <= writes.after + 1,
        f"{len(restored)} loop notes restored; the backup ran between "
        f"{writes.before} and {writes.after}",
    )
    return len(restored)


@needs(HasHostShell, CanBackUp, MakesNewClients)
def prove_backup_and_restore(stack):
    """Backup under writes, data and local copy destroyed, restore from the
    off-host copy; everything the backup held is back."""
    notes = stack.project.answers["example_api"]
    accounts = _make_accounts(stack)
    if notes:
        _write_notes(accounts)
    logged_out = accounts[-1]
    answer = logged_out.client.post(
        "/api/auth/logout/", {"refresh": logged_out.user.refresh}
    )
    check(answer.status == 204, f"logout answered {answer.status}")

    writes = None
    if notes:
        seconds, writes = _back_up_under_writes(stack, accounts[0])
    else:
        seconds = stack.backup()
    backup = _copied_off(stack, seconds)
    size = backup.copy.stat().st_size
    destroyed = _destroy_data(stack)
    restore = stack.restore(backup.copy)
    _check_accounts_back(accounts, logged_out)

    figures = {
        "backup_s": round(backup.seconds, 2),
        "backup_bytes": size,
        "restore_s": round(restore.seconds, 1),
    }
    detail = (
        f"backup {size} bytes in {backup.seconds:.2f}s, copied off the host (and "
        f"the secrets: {len(backup.secrets_held)} files); {destroyed}, local copy "
        f"deleted; `make restore` from the off-host copy in {restore.seconds:.1f}s: "
        f"{USERS} users{', their notes' if notes else ''} and tokens back, the "
        "logged-out refresh token still refused"
    )
    if writes:
        figures["backup_loop_notes"] = restored = _check_loop_back(accounts[0], writes)
        detail += (
            f"; under a write loop ({len(writes.written)} notes, 0 failed; the "
            f"backup ran while notes {writes.before + 1} to {writes.after} were "
            f"written) it holds the first {restored}, none torn"
        )
    return Found(detail, figures)


@needs(HasHostShell, CanBackUp)
def prove_failed_backup_is_loud(stack):
    """A backup folder it cannot write to: the unit fails, systemd shows it,
    and the OnFailure= hook runs BACKUP_FAILED_COMMAND."""
    unit = f"{stack.slug}-backup.service"
    hook = f"{stack.slug}-backup-failed.service"
    backups = f"/var/backups/{stack.slug}"
    alert = f"backup alert: {unit} exit-code"

    def journal(*options):
        return stack.run(
            "journalctl", "--no-pager", "--output=cat", *options, "-u", hook
        ).stdout

    stack.run("chmod", "0500", backups)
    try:
        started = stack.run("systemctl", "start", unit, check=False, timeout=300)
        check(started.returncode != 0, "the backup unit succeeded without a folder")
        state = stack.run("systemctl", "is-failed", unit, check=False).stdout.strip()
        check(state == "failed", f"systemctl is-failed {unit}: {state}")
        poll(lambda: alert in journal(), "the OnFailure= hook to run")
        said = journal("-p", "err")
        check(f"{unit} failed" in said, "no error-priority line about the failure")
    finally:
        stack.run("chmod", "0700", backups)
    stack.run("systemctl", "reset-failed", unit)
    seconds = stack.backup()
    return (
        f"unwritable folder: {unit} failed, `systemctl is-failed` says so, the "
        f"hook ran ('{alert}'); writable again: the next backup took {seconds:.2f}s"
    )
