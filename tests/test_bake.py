"""Every variant bakes into a clean, complete project with its own secrets."""

import fnmatch
import json
import re
import shutil
import stat
import tomllib

import pytest

from generator.answers import template_context

from .helpers import BIN, TEMPLATE, VARIANTS, read_env, run

# What each option adds: files that exist exactly when it is on, and words that
# appear in no file when it is off. Written out here, apart from the hook's
# PRUNE table, so that a path missing from either shows up.
OPTION_FILES = {
    "example_api": ["{slug}/notes/views.py", "tests/test_notes.py"],
    "allow_registration": [
        "{slug}/accounts/registration.py",
        "tests/test_registration.py",
    ],
    "api_docs": [
        "config/api_docs.py",
        "tests/test_api_docs.py",
        "fuzz/test_openapi.py",
        "fuzz/requirements.txt",
    ],
}
CHOICE_FILES = {
    ("jwt_algorithm", "HS256"): ["tests/test_hs256.py"],
    ("jwt_algorithm", "RS256"): ["tests/test_rs256.py"],
    ("ci", "github"): [".github/workflows/ci.yml"],
    ("database", "postgresql"): ["deploy/ansible/roles/database/tasks/main.yml"],
}
OPTION_WORDS = {
    "example_api": ["notes", "Note"],
    "allow_registration": ["RegisterView", "/register/", '"register"'],
    "api_docs": ["spectacular", "/api/docs/"],
}
CHOICE_WORDS = {
    ("database", "sqlite"): ["sqlite"],
    ("database", "postgresql"): ["psycopg", "postgres"],
    ("jwt_algorithm", "HS256"): ["JWT_SIGNING_KEY"],
    ("jwt_algorithm", "RS256"): [
        "VERIFYING_KEY",
        "JWT_PRIVATE_KEY_FILE",
        "cryptography",
    ],
    ("ci", "github"): ["actions/checkout", "workflows"],
}


def copied_without_render(relative):
    """Files cookiecutter copies as they are: Ansible's own {{ }} stays."""
    patterns = json.loads((TEMPLATE / "cookiecutter.json").read_text())[
        "_copy_without_render"
    ]
    return any(
        fnmatch.fnmatch(str(relative), pattern)
        or str(relative).startswith(pattern + "/")
        for pattern in patterns
    )


def test_no_template_text_is_left(baked):
    for path, text in baked.text_files():
        relative = path.relative_to(baked.path)
        if relative.name == ".cruft.json":
            continue  # the answers, recorded for cruft by design
        if copied_without_render(relative):
            assert "cookiecutter" not in text.lower(), f"{relative} names cookiecutter"
            continue
        for leftover in ("{{", "{%", "cookiecutter"):
            assert leftover not in text.lower(), f"{relative} holds {leftover!r}"
        assert "{{" not in str(relative) and "{%" not in str(relative)


def test_no_stray_blank_lines(baked):
    # Python files are held to ruff format below; this covers the rest.
    for path, text in baked.text_files():
        relative = path.relative_to(baked.path)
        if not text:
            continue  # package markers
        if path.suffix != ".py":
            assert "\n\n\n" not in text, f"{relative}: double blank line"
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{relative}: end"
        assert not re.search(r"[ \t]+\n", text), f"{relative}: trailing white space"


def test_files_follow_the_options(baked):
    answers, slug = baked.answers, baked.variant.slug
    for option, paths in OPTION_FILES.items():
        for path in paths:
            assert (baked.path / path.format(slug=slug)).exists() is answers[option], (
                path
            )
    for (choice, value), paths in CHOICE_FILES.items():
        for path in paths:
            assert (baked.path / path).exists() is (answers[choice] == value), path
    texts = "\n".join(text for _, text in baked.text_files())
    for option, words in OPTION_WORDS.items():
        if not answers[option]:
            for word in words:
                assert word not in texts, f"{option} is off but {word!r} is mentioned"


def test_choices_leave_no_trace_of_the_other_value(baked):
    texts = "\n".join(text for _, text in baked.text_files())
    for (choice, value), words in CHOICE_WORDS.items():
        if baked.answers[choice] != value:
            for word in words:
                assert word not in texts, (
                    f"{choice}={baked.answers[choice]} mentions {word!r}"
                )


def test_ruff_check_and_format_are_clean(baked):
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = run([BIN / "ruff", *command, "."], cwd=baked.path)
        assert result.returncode == 0, result.stdout + result.stderr


def test_pyproject_parses_and_pins_every_dependency(baked):
    project = tomllib.loads((baked.path / "pyproject.toml").read_text())["project"]
    dependencies = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert dependencies
    for requirement in dependencies:
        assert "==" in requirement, f"{requirement} is not pinned"
    assert project["name"] == baked.variant.slug


def test_env_file_is_private_and_complete(baked):
    env_file = baked.path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env = read_env(baked.path)
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    if baked.answers["jwt_algorithm"] == "HS256":
        assert len(env["JWT_SIGNING_KEY"]) >= 32
        assert env["JWT_SIGNING_KEY"] != env["DJANGO_SECRET_KEY"]
    else:
        assert env["JWT_PRIVATE_KEY_FILE"] == "keys/jwt_private.pem"
        assert env["JWT_PUBLIC_KEY_FILE"] == "keys/jwt_public.pem"
    # Development uses the settings' default database until .env names one.
    assert "DATABASE_URL" not in env


def test_make_env_makes_the_same_file_as_the_bake(baked, tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(baked.path, checkout, ignore=shutil.ignore_patterns(".env"))
    made = run(["make", "--no-print-directory", ".env"], cwd=checkout)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE((checkout / ".env").stat().st_mode) == 0o600
    fresh, baked_env = read_env(checkout), read_env(baked.path)
    assert fresh.keys() == baked_env.keys()
    for key, value in fresh.items():
        if key.endswith("_KEY"):
            assert value and value != baked_env[key], key
        else:
            assert value == baked_env[key], key
    again = run(["make", "--no-print-directory", ".env"], cwd=checkout)
    assert again.returncode == 0
    assert read_env(checkout) == fresh


def test_git_never_tracks_secrets(baked, tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(baked.path, checkout)
    assert run(["git", "init", "-q"], cwd=checkout).returncode == 0
    assert run(["git", "add", "-A"], cwd=checkout).returncode == 0
    tracked = run(["git", "ls-files"], cwd=checkout).stdout.splitlines()
    assert ".env.example" in tracked
    assert "pyproject.toml" in tracked
    for name in tracked:
        assert (
            name != ".env"
            and not name.startswith("keys/")
            and not name.endswith(".pem")
        )
    # Nor does any tracked file hold a secret's value.
    env = read_env(baked.path)
    secrets = [value for key, value in env.items() if key.endswith("KEY")]
    secrets.append("PRIVATE KEY-----")
    for name in tracked:
        text = (checkout / name).read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"{name} holds a secret"


@pytest.mark.parametrize(
    "variant", [VARIANTS["default"], VARIANTS["minimal"]], ids=["HS256", "RS256"]
)
def test_two_bakes_never_share_a_secret(cookies, variant):
    first = cookies.bake(template=str(TEMPLATE), extra_context=variant.answers)
    second = cookies.bake(template=str(TEMPLATE), extra_context=variant.answers)
    assert first.exit_code == second.exit_code == 0
    first_env, second_env = read_env(first.project_path), read_env(second.project_path)
    secrets = [key for key in first_env if key.endswith("_KEY")]
    assert secrets
    for key in secrets:
        assert first_env[key] != second_env[key], key


def test_baking_makes_no_keys(cookies):
    # RS256 keys are the project's business: made on first use in development,
    # by the runbook in production. The bake only names them in .env.
    result = cookies.bake(
        template=str(TEMPLATE), extra_context=VARIANTS["minimal"].answers
    )
    assert result.exit_code == 0, result.exception
    assert not (result.project_path / "keys").exists()
    assert not list(result.project_path.rglob("*.pem"))


def test_variants_cover_every_value_of_every_choice():
    context = template_context(TEMPLATE)
    for key, default in context.items():
        if key.startswith("_"):
            continue
        used = {variant.answers[key] for variant in VARIANTS.values()}
        if isinstance(default, list):
            assert used == set(default), key
        elif isinstance(default, bool):
            assert used == {True, False}, key
    for variant in VARIANTS.values():
        assert set(variant.answers) == {k for k in context if not k.startswith("_")}, (
            variant.name
        )


def test_default_answers_are_a_variant(cookies):
    default = cookies.bake(template=str(TEMPLATE))
    assert default.exit_code == 0, default.exception
    replay = default.context
    answers = VARIANTS["default"].answers
    for key, value in answers.items():
        assert str(replay[key]) == str(value), key


# 60 characters; the slug is cut at a word to 31, the longest a slug may be.
LONG_NAME = "Wholesale Orders Reconciliation Invoices Payments Settlement"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Órders API", "cafe_orders_api"),
        ("Bob's API", "bob_s_api"),
        ("API v2.0", "api_v2_0"),
        ("2FA Service", "api_2fa_service"),
        ("Django", "django_api"),
        ("Config", "config_api"),
        ("Email", "email_api"),
        (LONG_NAME, "wholesale_orders_reconciliation"),
        ("Shop", "shop_api"),
        ("Supercalifragilisticexpialidocious" * 2, "supercalifragilisticexpiali_api"),
    ],
)
def test_any_project_name_gets_a_slug_that_bakes(cookies, name, slug):
    result = cookies.bake(template=str(TEMPLATE), extra_context={"project_name": name})
    assert result.exit_code == 0, result.exception
    assert result.project_path.name == slug
    assert (result.project_path / slug / "accounts").is_dir()
    assert f"# {name}\n" in (result.project_path / "README.md").read_text()
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        lint = run([BIN / "ruff", *command, "."], cwd=result.project_path)
        assert lint.returncode == 0, lint.stdout
