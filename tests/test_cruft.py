"""A generated project stays updatable: cruft carries template changes into it
and keeps the project's own edits and secrets."""

import json

from .helpers import BIN, VARIANTS, git, run, template_repo

CRUFT = BIN / "cruft"


def test_cruft_update_brings_template_changes_and_keeps_local_edits(tmp_path):
    template = template_repo(tmp_path / "template")
    answers = VARIANTS["default"].answers
    created = run(
        [
            CRUFT,
            "create",
            template,
            "--no-input",
            "--output-dir",
            tmp_path / "out",
            "--extra-context",
            json.dumps(answers),
        ]
    )
    assert created.returncode == 0, created.stdout + created.stderr
    project = tmp_path / "out" / answers["project_slug"]
    recorded = json.loads((project / ".cruft.json").read_text())
    assert recorded["context"]["cookiecutter"]["database"] == answers["database"]
    env_before = (project / ".env").read_text()

    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "new project", cwd=project)
    with (project / "README.md").open("a") as readme:
        readme.write("\n## Our notes\n\nDeployed by the platform team.\n")
    git("commit", "-q", "-am", "local edit", cwd=project)
    assert run([CRUFT, "check"], cwd=project).returncode == 0

    makefile = template / "{{cookiecutter.project_slug}}" / "Makefile"
    makefile.write_text(makefile.read_text() + "\ncheck: lint test\n")
    git("commit", "-q", "-am", "template: make check", cwd=template)

    outdated = run([CRUFT, "check"], cwd=project)
    assert outdated.returncode == 1
    assert "out of date" in outdated.stdout + outdated.stderr

    updated = run([CRUFT, "update", "--skip-apply-ask"], cwd=project)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "\ncheck: lint test\n" in (project / "Makefile").read_text()
    assert "Deployed by the platform team." in (project / "README.md").read_text()
    assert (project / ".env").read_text() == env_before
    assert run([CRUFT, "check"], cwd=project).returncode == 0
