"""Finish the generated project: prune unused options, record the answers,
make .env with fresh secrets, and say what to do next.

Standard library only: this runs in whatever Python runs cookiecutter, offline.
"""

import json
import os
import runpy
import shutil
from pathlib import Path

# The answers arrive as JSON inside a string literal, so this file is valid
# Python before rendering and its functions can be imported by the tests.
ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# What each option leaves unused when it is off (or set to another value).
# Paths are relative to the generated project; "{slug}" is the package folder.
PRUNE = {
    "example_api": ["{slug}/notes", "tests/test_notes.py"],
    "allow_registration": [
        "{slug}/accounts/registration.py",
        "tests/test_registration.py",
    ],
    "api_docs": ["config/api_docs.py", "tests/test_api_docs.py", "fuzz"],
    "jwt_algorithm:RS256": ["tests/test_rs256.py"],
    "jwt_algorithm:HS256": ["tests/test_hs256.py"],
    "ci:github": [".github"],
    "database:postgresql": [
        "deploy/ansible/roles/database",
        "{slug}/deployment/postgresql_backup.py",
    ],
    "database:sqlite": ["{slug}/deployment/sqlite_backup.py"],
}


# Files that mark what only some options need with a line
# `# only with api_docs or database:postgresql` (PRUNE's keys) before it.
MARKER = "# only with "
MARKED_FILES = [
    "pyproject.toml",
    "requirements.lock",
    ".gitignore",
    "deploy/ansible/site.yml",
]


def enabled(answers, option):
    """Whether an option in PRUNE's form ("api_docs", "database:sqlite") is on."""
    name, _, wanted = option.partition(":")
    return answers[name] == wanted if wanted else bool(answers[name])


def paths_to_prune(answers):
    """The paths PRUNE names for every option that is off."""
    unused = []
    for option, paths in PRUNE.items():
        if not enabled(answers, option):
            unused.extend(path.format(slug=answers["project_slug"]) for path in paths)
    return unused


def without_unused(text, answers):
    """text without the markers, and without each marked line (with the more
    indented lines under it, a locked package's hashes) whose options are all
    off."""
    kept, keep, verdict, indent = [], True, None, 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith(MARKER):
            options = stripped.removeprefix(MARKER).strip().split(" or ")
            verdict = any(enabled(answers, option) for option in options)
            continue
        depth = len(line) - len(stripped)
        # A marked line, a blank one or one no deeper than the last begins
        # anew; a deeper one belongs to the line above.
        if verdict is not None or not stripped.strip() or depth <= indent:
            keep, verdict, indent = verdict is not False, None, depth
        if keep:
            kept.append(line)
    return "".join(kept)


def prune(project, paths):
    for relative in paths:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def answers_record(answers):
    """The answers as cruft keeps them, without this machine's paths."""
    context = {
        key: value
        for key, value in answers.items()
        if key not in ("_output_dir", "_repo_dir")
    }
    record = {
        "template": answers["_template"],
        "commit": None,
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }
    return json.dumps(record, indent=2) + "\n"


def make_env_file(project):
    """.env from .env.example with fresh secrets, by the project's own code
    (which `make dev` runs too), so the two can never disagree."""
    env_file = runpy.run_path(str(project / "config" / "env_file.py"))
    env_file["make_env_file"](project)


def next_steps(answers, project):
    """What a person does with the new project, in a few lines (prodstack
    new and bake print these too)."""
    # cookiecutter runs this hook in the project; the shell's PWD is where the
    # person typed the command.
    here = os.environ.get("PWD")
    folder = os.path.relpath(project, here) if here else str(project)
    if folder.startswith(".."):
        folder = str(project)
    lines = [
        f"Made {folder}. Next:",
        f"  cd {folder}",
        '  git init && git add -A && git commit -m "New project"',
    ]
    if answers["database"] == "postgresql":
        lines.append(
            "  make db     # a throwaway PostgreSQL for make dev and make test"
        )
    lines += [
        "  make dev    # .env, venv, install, migrate, serve on 127.0.0.1:8000",
        "  make test   # the project's own tests",
        "The deploy starts in deploy/README.md: your host goes in "
        "deploy/ansible/inventory.yml, then make deploy.",
    ]
    return lines


def main():
    answers = json.loads(ANSWERS_JSON)
    project = Path.cwd()
    prune(project, paths_to_prune(answers))
    for marked in MARKED_FILES:
        path = project / marked
        path.write_text(without_unused(path.read_text(), answers))
    (project / ".cruft.json").write_text(answers_record(answers))
    make_env_file(project)
    # prodstack prints them itself, after its own lines, or not at all for a
    # project it bakes only to verify.
    if not os.environ.get("PRODSTACK_NO_NEXT_STEPS"):
        print("\n".join(next_steps(answers, project)))


if __name__ == "__main__":
    main()
