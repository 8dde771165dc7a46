"""A broken release never goes live: each release here is broken on purpose,
deployed under a concurrent request loop, and must be refused by `make
deploy` with a message that says why, while the live release answers every
request. The project copy is put back after each."""

from dataclasses import dataclass

from generator.checking import StepFailed, check
from generator.hosts.make import DeployFailed
from generator.loops import LONG, RequestLoop
from generator.proofs.deploys import answering_release
from generator.runner import Found
from generator.stacks.contract import CanDeploy, needs

# The migration guard would refuse the unreachable database first (it reads
# the migration table); this case is about the health gate, so it is let by.
LET_MIGRATIONS_BY = "ANSIBLE_ARGS=-e app_allow_destructive_migrations=true"


@dataclass(frozen=True)
class Breakage:
    name: str
    path: str  # in the project; "{slug}" is the package
    text: str  # appended to the file, or the whole file when it is new
    said: str  # what the deploy's output must say
    deploy_args: tuple = ()


WSGI_RAISES = Breakage(
    "its WSGI import raises",
    "config/wsgi.py",
    '\nraise RuntimeError("broken on purpose: the WSGI import")\n',
    "broken on purpose: the WSGI import",
)
SETTING_MISSING = Breakage(
    "its settings refuse to load",
    "config/settings/production.py",
    '\nrequire_env("DJANGO_SETTING_NOBODY_SET")\n',
    "DJANGO_SETTING_NOBODY_SET",
)
DATABASE_UNREACHABLE = Breakage(
    "its health fails: the database is out of its reach",
    "config/settings/production.py",
    '\nDATABASES["default"]["NAME"] = "a_database_that_is_not_there"\n',
    "did not answer /api/health/ with 200 on a side socket",
    (LET_MIGRATIONS_BY,),
)
DESTRUCTIVE_MIGRATION = Breakage(
    "a migration drops what the live code reads",
    "{slug}/notes/migrations/0002_drop_note_body.py",
    """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RemoveField(model_name="note", name="body")]
""",
    "remove what the live release still reads",
)


def breakages(project):
    """The cases this project can have: all four with PostgreSQL and the
    example API; the WSGI import everywhere else (each costs a release build
    and install, about a minute here)."""
    answers = project.answers
    if answers["database"] != "postgresql" or not answers["example_api"]:
        return [WSGI_RAISES]
    return [WSGI_RAISES, SETTING_MISSING, DATABASE_UNREACHABLE, DESTRUCTIVE_MIGRATION]


def _deploy_broken(stack, breakage):
    path = stack.path / breakage.path.format(slug=stack.slug)
    before = path.read_text() if path.exists() else None
    path.write_text((before or "") + breakage.text)
    live = answering_release(stack)
    try:
        with RequestLoop(stack.https, threads=stack.loop_threads, limit=LONG) as loop:
            try:
                stack.deploy(*breakage.deploy_args)
            except DeployFailed as failed:
                # Ansible folds long messages over lines.
                output = " ".join(failed.log.read_text().split())
            else:
                raise StepFailed(f"a release whose {breakage.name} was deployed")
            loop.wait_for_more("answers after the refusal")
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_text(before)
    check(breakage.said in output, f"the deploy did not say {breakage.said!r}")
    loop.check_none_failed()
    still = answering_release(stack)
    check(still == live, f"release {still!r} answers, not the live {live!r}")
    return loop


@needs(CanDeploy)
def prove_broken_releases_refused(stack):
    """Each broken release: refused with its reason, the live one answering
    throughout, 0 failed requests."""
    said, figures = [], {}
    for breakage in breakages(stack.project):
        loop = _deploy_broken(stack, breakage)
        key = breakage.name.split(":")[0].replace(" ", "_")
        figures[f"broken_{key}_requests"] = loop.sent
        figures[f"broken_{key}_longest_ms"] = round(loop.longest * 1000)
        said.append(
            f"{breakage.name}: refused, {loop.sent} requests, 0 failed, "
            f"longest {loop.longest * 1000:.0f} ms"
        )
    return Found("; ".join(said), figures)
