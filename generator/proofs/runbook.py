"""Follow a generated project's runbook by hand on a fresh host: the shell
blocks of deploy/README.md's "By hand" steps, in order, as a person who does
not use Ansible would paste them. Three lines change, and only because the
test host has no route out: `apt-get update` (the image's index is used),
`editor` (each blank is filled: the secrets as the step makes them, the mail
server with the stack's own, allowed by the drop-in the step describes), and
certbot's Let's Encrypt address (pebble on the bridge instead).
"""

import re
import shutil
import subprocess
import textwrap
import time

from generator.checking import check, poll
from generator.checks import AFTER_EACH_ACTION
from generator.runner import Found, Step
from generator.stacks.contract import CanBackUp, HasHostNetwork, HasHostShell, needs

SECRET = "$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
PEBBLE_CA = "/etc/ssl/certs/pebble-api.pem"


def by_hand_blocks(readme):
    """The shell blocks of the "By hand" section, dedented, in order."""
    section = readme[readme.index("## By hand") : readme.index("## A release")]
    return [
        textwrap.dedent(block)
        for block in re.findall(r"^ *```sh\n(.*?)^ *```", section, re.M | re.S)
    ]


def host_script(stack):
    """What a person runs on the host, with the offline substitutions."""
    readme = (stack.path / "deploy" / "README.md").read_text()
    blocks = by_hand_blocks(readme)
    # The first block runs on the person's own machine (make, rsync).
    script = "\n".join(blocks[1:])
    env_file = f"/etc/{stack.slug}/env"
    blanks = [key for key, value in stack.project.env_template().items() if not value]
    # The secrets as the step makes them; the mail server is the stack's.
    filled = {key: SECRET for key in blanks}
    edits = []
    if stack.mailbox:
        filled["DJANGO_EMAIL_HOST"] = stack.mailbox.host
        extra = f"DJANGO_EMAIL_PORT={stack.mailbox.port}\nDJANGO_EMAIL_USE_TLS=false"
        drop_in = f"/etc/systemd/system/{stack.slug}.service.d/override.conf"
        edits += [
            f"printf '{extra}\\n' >> {env_file}",
            # What `systemctl edit` would write, as the step says.
            f"mkdir -p {drop_in.rsplit('/', 1)[0]}",
            f"printf '[Service]\\nIPAddressAllow={stack.mailbox.host}\\n' > {drop_in}",
        ]
    fill = " && ".join(
        [
            f'sed -i "s/^{key}=$/{key}={value}/" {env_file}'
            for key, value in filled.items()
        ]
        + edits
    )
    substitutions = (
        ("apt-get update\n", "true  # no route out: the image's apt index\n"),
        (f"editor {env_file}", fill),
        (
            "certbot certonly --non-interactive --agree-tos --email YOU@EXAMPLE.COM",
            f"REQUESTS_CA_BUNDLE={PEBBLE_CA} certbot certonly --non-interactive "
            "--agree-tos --register-unsafely-without-email "
            f"--server {stack.acme.directory}",
        ),
    )
    for before, after in substitutions:
        check(before in script, f"the runbook no longer says {before.strip()!r}")
        script = script.replace(before, after)
    return script


def follow_runbook(stack):
    """Copy the artifact and deploy/ over as the runbook says, then run its
    steps on the host; returns the seconds the steps took."""
    built = subprocess.run(
        ["make", "release"], cwd=stack.path, capture_output=True, text=True
    )
    check(built.returncode == 0, f"make release: {built.stderr[-1000:]}")
    shutil.copytree(stack.path / "build" / "release", stack.inside("/root/release"))
    shutil.copytree(stack.path / "deploy", stack.inside("/root/deploy"))
    shutil.copy(stack.acme.api_ca_file, stack.inside(PEBBLE_CA))
    script = host_script(stack)
    log = stack.logs / "by-hand.log"
    started = time.perf_counter()
    result = stack.run("bash", "-eux", "-c", script, check=False, timeout=900)
    log.write_text(f"{script}\n----\n{result.stdout}{result.stderr}")
    check(result.returncode == 0, f"a step of the runbook failed; see {log}")
    return time.perf_counter() - started


@needs(HasHostShell, HasHostNetwork)
def prove_runbook(stack):
    seconds = follow_runbook(stack)
    poll(lambda: stack.https.get("/api/health/").status == 200, "HTTPS to answer")
    return Found(
        f"every step in {seconds:.1f}s; " + stack.sign_in(),
        {"by_hand_s": round(seconds, 1)},
    )


@needs(HasHostShell, CanBackUp)
def prove_backup_by_hand(stack):
    """The backup unit the steps installed runs, into the folder they made."""
    seconds = stack.backup()
    made = stack.run("ls", f"/var/backups/{stack.slug}").stdout.split()
    check(made, "the backup unit wrote nothing")
    return f"{made[0]} in {seconds:.2f}s"


SEQUENCE = (
    Step("runbook by hand", prove_runbook, AFTER_EACH_ACTION),
    Step("backup unit", prove_backup_by_hand),
)
