"""The prodstack CLI as people and CI drive it, and the CI workflows."""

import json
import os
import shutil
import subprocess

import pytest
import yaml

from generator.answers import template_context
from generator.tools import GROUPS, TARGETS, find

from .helpers import BIN, TEMPLATE, VARIANTS, git, load_hook, run, template_repo

post_gen = load_hook("post_gen_project")

PRODSTACK = BIN / "prodstack"


def test_variants_table_lists_every_variant():
    result = run([PRODSTACK, "variants"])
    assert result.returncode == 0, result.stderr
    for name in VARIANTS:
        assert name in result.stdout


def test_variants_json_is_a_github_matrix():
    result = run([PRODSTACK, "variants", "--json"])
    matrix = json.loads(result.stdout)
    assert [row["variant"] for row in matrix["include"]] == list(VARIANTS)
    assert {row["database"] for row in matrix["include"]} == {"sqlite", "postgresql"}


@pytest.mark.parametrize("command", ["variants", "bake", "new", "verify", "demo"])
def test_every_command_has_help_with_an_example(command):
    result = run([PRODSTACK, command, "--help"])
    assert result.returncode == 0
    assert "Example" in result.stdout


def test_new_from_a_variant(tmp_path):
    result = run(
        [PRODSTACK, "new", "--variant", "minimal", "--no-input", "-o", tmp_path]
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / VARIANTS["minimal"].slug
    assert (project / ".env").exists()
    # The next steps come last, once: not from the hook in the middle too.
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"baked {project} in")
    assert lines[2:] == post_gen.next_steps(VARIANTS["minimal"].answers, project)


def test_new_from_an_answers_file_over_a_variant(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"project_name": "Shop API", "ci": "none"}))
    result = run(
        [
            PRODSTACK,
            "new",
            "--variant",
            "postgresql",
            "--answers",
            answers,
            "--no-input",
            "-o",
            tmp_path / "out",
        ]
    )
    assert result.returncode == 0, result.stderr
    recorded = json.loads((tmp_path / "out" / "shop_api" / ".cruft.json").read_text())
    context = recorded["context"]["cookiecutter"]
    assert (context["project_slug"], context["database"], context["ci"]) == (
        "shop_api",
        "postgresql",
        "none",
    )


def test_new_asks_cookiecutters_questions(tmp_path):
    # Enter to every prompt takes every default.
    result = subprocess.run(
        [PRODSTACK, "new", "-o", tmp_path],
        input="\n" * 40,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Continuous integration" in result.stdout
    assert (tmp_path / "my_api" / "manage.py").exists()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("databse: sqlite\n", "answers.yaml: unknown key 'databse': did you mean"),
        ("database: mysql\n", "database: 'mysql' is not one of sqlite, postgresql"),
        ("api_docs: maybe\n", "api_docs: 'maybe' is not a yes/no answer"),
        ("database: [sqlite\n", "is not valid YAML at line 2"),
        ("- a list\n", "must hold a mapping of answers"),
        ("", "answers.yaml holds no answers: write one per line as key: value"),
        (
            "project_slug: django\n",
            "nothing was written. Change project_slug in prodstack-answers.yaml",
        ),
    ],
    ids=[
        "unknown key",
        "outside a choice",
        "not a boolean",
        "bad YAML",
        "not a mapping",
        "empty",
        "refused by the hook",
    ],
)
def test_new_refuses_bad_answers_in_one_line_and_writes_nothing(
    tmp_path, yaml_text, message
):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml_text)
    output = tmp_path / "out"
    result = run(
        [PRODSTACK, "new", "--answers", answers.name, "--no-input", "-o", output],
        cwd=tmp_path,
    )
    assert result.returncode == 1
    error_lines = [
        line for line in result.stderr.splitlines() if line.startswith("Error:")
    ]
    assert len(error_lines) == 1 and message in error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_new_refusal_saves_the_answers_and_its_retry_command_works(tmp_path):
    # Enter to every prompt but the time zone, which is mistyped.
    prompts = list(template_context(TEMPLATE)["__prompts__"])
    typed = ["Mars/Olympus" if key == "time_zone" else "" for key in prompts]
    refused = subprocess.run(
        [PRODSTACK, "new", "-o", "out"],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert refused.returncode == 1
    assert "time_zone 'Mars/Olympus' is not an IANA time zone" in refused.stderr
    assert "--replay-file" not in refused.stderr  # the hook leaves retrying to us
    retry = "prodstack new --answers prodstack-answers.yaml --no-input -o out"
    assert refused.stderr.strip().endswith(
        f"Change time_zone in prodstack-answers.yaml, then run: {retry}"
    )
    assert not (tmp_path / "out").exists()

    saved = tmp_path / "prodstack-answers.yaml"
    answers = yaml.safe_load(saved.read_text())
    assert set(answers) == set(prompts)
    saved.write_text(saved.read_text().replace("Mars/Olympus", "Asia/Tokyo"))
    retried = run([BIN / retry.split()[0], *retry.split()[1:]], cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr
    settings = tmp_path / "out" / "my_api" / "config" / "settings" / "base.py"
    assert 'TIME_ZONE = "Asia/Tokyo"' in settings.read_text()
    # The project records its answers; the saved ones have done their work.
    assert not saved.exists()
    assert "removed prodstack-answers.yaml" in retried.stdout


def new_from_answers(folder, name, text):
    """`prodstack new --answers NAME --no-input -o out` in folder, NAME
    holding text."""
    (folder / name).write_text(text)
    return run(
        [PRODSTACK, "new", "--answers", name, "--no-input", "-o", "out"], cwd=folder
    )


def test_a_time_zone_in_the_wrong_case_gets_a_did_you_mean(tmp_path):
    refused = new_from_answers(tmp_path, "answers.yaml", "time_zone: europe/paris\n")
    assert refused.returncode == 1
    assert (
        "  - time_zone 'europe/paris' is not an IANA time zone: did you mean "
        "'Europe/Paris'?\n"
    ) in refused.stderr
    assert "Error: nothing was written. Change time_zone in prodstack-answers.yaml" \
        in refused.stderr  # fmt: skip
    saved = yaml.safe_load((tmp_path / "prodstack-answers.yaml").read_text())
    assert saved == {"time_zone": "europe/paris"}  # as given: the rest derives


def test_an_answers_file_of_ones_own_is_never_removed(tmp_path):
    # Named like the saved answers, but written by a person, not by a refusal.
    result = new_from_answers(
        tmp_path, "prodstack-answers.yaml", "project_name: Shop API\n"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "prodstack-answers.yaml").is_file()
    assert "removed" not in result.stdout


def test_new_into_an_existing_project_folder_says_so_once(tmp_path):
    (tmp_path / "my_api").mkdir()
    result = run([PRODSTACK, "new", "--no-input", "-o", tmp_path])
    assert result.returncode == 1
    assert result.stderr.count("Error:") == 1
    assert f"{tmp_path}/my_api already exists: move it away" in result.stderr


def test_new_explains_a_template_it_cannot_fetch(tmp_path):
    result = run([PRODSTACK, "new", "--template", tmp_path / "nowhere", "--no-input"])
    assert result.returncode == 1
    assert "cannot fetch template" in result.stderr
    assert "git+file://" in result.stderr


def test_new_refuses_an_unknown_variant(tmp_path):
    result = run(
        [PRODSTACK, "new", "--variant", "nope", "--no-input", "-o", tmp_path / "o"]
    )
    assert result.returncode == 1
    assert "unknown variant 'nope'; known variants: default" in result.stderr
    assert not (tmp_path / "o").exists()


def test_new_takes_a_template_from_a_git_url(tmp_path):
    repo = template_repo(tmp_path / "template")
    result = run(
        [
            PRODSTACK,
            "new",
            "--template",
            f"git+file://{repo}",
            "--variant",
            "default",
            "--no-input",
            "-o",
            tmp_path / "out",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "my_api" / "manage.py").exists()


def test_cookiecutter_bakes_a_published_copy_at_a_tag(tmp_path):
    # What `cookiecutter gh:ORG/REPO --checkout v1.0.0` does, with a local
    # git URL for GitHub's: clone, check out the tag, bake from the root.
    repo = template_repo(tmp_path / "template")
    git("tag", "v1.0.0", cwd=repo)
    (repo / "cookiecutter.json").write_text("{}")  # a later, broken commit
    git("commit", "-q", "-am", "after the release", cwd=repo)
    result = run(
        [BIN / "cookiecutter", "--no-input", "--checkout", "v1.0.0",
         "-o", tmp_path / "out", f"git+file://{repo}"],
        env={"HOME": str(tmp_path), "PATH": os.environ["PATH"]},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "my_api" / "manage.py").is_file()
    assert (tmp_path / ".cookiecutters" / "template").is_dir()  # its clone


def valid_workflow_jobs(workflow):
    """The jobs of a workflow that passes GitHub's workflow schema."""
    result = run(
        [
            BIN / "check-jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            workflow,
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(workflow.read_text())["jobs"]


def test_repository_workflow_is_schema_valid_and_reads_the_matrix():
    jobs = valid_workflow_jobs(TEMPLATE / ".github" / "workflows" / "ci.yml")
    verify_job = json.dumps(jobs["verify"])
    assert "prodstack variants --json" in json.dumps(jobs["matrix"])
    assert "fromJSON(needs.matrix.outputs.variants)" in verify_job
    assert "prodstack verify --variant ${{ matrix.variant }}" in verify_job


def test_generated_workflow_is_schema_valid(baked):
    workflow = baked.path / ".github" / "workflows" / "ci.yml"
    if baked.answers["ci"] == "none":
        assert not workflow.exists()
        return
    jobs = valid_workflow_jobs(workflow)
    assert set(jobs) == {"lint", "test"}
    has_postgres = "postgres" in jobs["test"].get("services", {})
    assert has_postgres is (baked.answers["database"] == "postgresql")


def test_cli_installed_without_editable_mode_bakes(tmp_path):
    """`pip install .` into a fresh venv carries the template as package data."""
    # A copy of the checkout, so the build leaves nothing in it.
    source = tmp_path / "source"
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", cwd=TEMPLATE)
    for name in listed.stdout.splitlines():
        if (TEMPLATE / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, source / name)
    venv = tmp_path / "venv"
    assert run([BIN / "uv", "venv", "--quiet", venv]).returncode == 0
    installed = run(
        [BIN / "uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python",
         source],
        cwd=tmp_path,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    result = run(
        [venv / "bin" / "prodstack", "new", "--variant", "default", "--no-input",
         "-o", tmp_path / "out"],
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / VARIANTS["default"].slug / "manage.py").is_file()


@pytest.mark.parametrize(
    ("command", "groups", "tool"),
    [
        (["verify-host", "--variant", "minimal"], ("hosts",), "debootstrap"),
        (["verify", "--variant", "minimal"], ("demo",), "nginx"),
    ],
    ids=["verify-host without debootstrap", "verify without nginx"],
)
def test_a_missing_system_tool_is_one_line_naming_its_package(
    tmp_path, command, groups, tool
):
    # A PATH with every other tool the command runs.
    tools = tmp_path / "bin"
    tools.mkdir()
    for group in groups:
        for name in GROUPS[group]:
            if name != tool:
                (tools / name).symlink_to(find(name))
    env = {
        **os.environ,
        "PATH": str(tools),
        # No host image yet: building one needs debootstrap.
        "PRODSTACK_CACHE": str(tmp_path / "cache"),
    }
    result = run([PRODSTACK, *command], env=env)
    package = next(GROUPS[group][tool] for group in GROUPS if tool in GROUPS[group])
    target = next(TARGETS[group] for group in GROUPS if tool in GROUPS[group])
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {tool} is missing: install the Debian package {package} "
        f"(`make {target}` installs it, as root)"
    )
