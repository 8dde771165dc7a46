"""The template on the cookiecutters people have: the oldest it supports and
the newest bake the same projects, and older ones stop before writing
anything, saying which version they are and how to get a newer one.

Each version runs from a venv of its own, made once per test session."""

import json
import re
import subprocess
import sys
import tomllib

import pytest

from .helpers import BIN, TEMPLATE, VARIANT_PARAMS, VARIANTS, load_hook, run

pre_gen = load_hook("pre_gen_project")

OLDEST = pre_gen.OLDEST_COOKIECUTTER
# The newest is the one this repository pins, and bumps when a new one ships.
NEWEST = next(
    re.sub(r"^cookiecutter==", "", pin)
    for pin in tomllib.loads((TEMPLATE / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    if pin.startswith("cookiecutter==")
)
# Debian 12's (apt install cookiecutter, with the libraries apt brings along),
# and the last release before OLDEST.
TOO_OLD = {
    "1.7.3": ["python-slugify==4.0.0", "Jinja2==3.1.2", "click==8.1.3"],
    "2.1.1": [],
}

# What differs between two bakes by design: fresh secrets, and the answers
# record, which names a checkout only from 2.4 on.
DIFFERS_BY_DESIGN = {".env", ".cruft.json"}


@pytest.fixture(scope="session")
def cookiecutter_bin(tmp_path_factory):
    """cookiecutter==version's own venv (with any libraries pinned as given),
    made once per version and session; returns the folder of its scripts."""
    made = {}

    def bin_of(version, *libraries):
        if version not in made:
            venv = tmp_path_factory.mktemp(f"cookiecutter-{version}")
            created = run(
                [BIN / "uv", "venv", "--quiet", "--python", sys.executable, venv]
            )
            assert created.returncode == 0, created.stderr
            installed = run(
                [BIN / "uv", "pip", "install", "--quiet", "--python",
                 venv / "bin" / "python", f"cookiecutter=={version}", *libraries]
            )  # fmt: skip
            assert installed.returncode == 0, installed.stderr
            made[version] = venv / "bin"
        return made[version]

    return bin_of


def bake_with(bin_dir, answers, output):
    """Bake through the given cookiecutter's Python API, which takes yes/no
    answers as booleans in every version (its command line only from 2.7)."""
    script = (
        "import json, sys\n"
        "from cookiecutter.main import cookiecutter\n"
        "print(cookiecutter(sys.argv[1], no_input=True,"
        " extra_context=json.loads(sys.argv[2]), output_dir=sys.argv[3]))\n"
    )
    result = run(
        [bin_dir / "python", "-c", script, TEMPLATE, json.dumps(answers), output]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return output / answers["project_slug"]


def project_files(project):
    """Every file of a project as {relative path: bytes}, the answers record
    without the checkout (an answer cookiecutter 2.4 added)."""
    files = {}
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and relative not in DIFFERS_BY_DESIGN:
            files[relative] = path.read_bytes()
    record = json.loads((project / ".cruft.json").read_text())
    record["context"]["cookiecutter"].pop("_checkout", None)
    files[".cruft.json"] = json.dumps(record, sort_keys=True).encode()
    return files


def test_the_newest_is_the_one_the_cli_runs():
    # So a bump of the pin moves this proof along with it.
    from cookiecutter import __version__

    assert __version__ == NEWEST


@pytest.mark.parametrize("variant", VARIANT_PARAMS)
def test_oldest_and_newest_bake_the_same_project(cookiecutter_bin, tmp_path, variant):
    oldest = bake_with(cookiecutter_bin(OLDEST), variant.answers, tmp_path / "oldest")
    newest = bake_with(cookiecutter_bin(NEWEST), variant.answers, tmp_path / "newest")
    oldest_files, newest_files = project_files(oldest), project_files(newest)
    assert sorted(oldest_files) == sorted(newest_files)
    differing = [
        name for name in newest_files if oldest_files[name] != newest_files[name]
    ]
    assert differing == []
    assert (oldest / ".env").stat().st_mode == (newest / ".env").stat().st_mode


@pytest.mark.parametrize("version", [OLDEST, NEWEST])
def test_the_prompts_take_every_default(cookiecutter_bin, tmp_path, version):
    # Enter to every question, as a person accepting the defaults would.
    result = subprocess.run(
        [cookiecutter_bin(version) / "cookiecutter", "-o", tmp_path, TEMPLATE],
        input="\n" * 40,
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Continuous integration" in result.stdout  # its __prompts__ wording
    project = tmp_path / VARIANTS["default"].slug
    assert (project / "config" / "api_docs.py").is_file()  # a yes kept as yes
    assert (
        "SECURE_HSTS_PRELOAD = False"
        in (project / "config" / "settings" / "production.py").read_text()
    )


@pytest.mark.parametrize("version", TOO_OLD)
def test_an_older_cookiecutter_stops_before_writing_and_says_why(
    cookiecutter_bin, tmp_path, version
):
    output = tmp_path / "out"
    output.mkdir()
    bin_dir = cookiecutter_bin(version, *TOO_OLD[version])
    result = run(
        [bin_dir / "cookiecutter", "--no-input", "-o", output,
         TEMPLATE],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    ours = [line for line in result.stderr.splitlines() if "too old" in line]
    assert ours == [
        f"cookiecutter {version} is too old for this template, which needs "
        f"{OLDEST} or newer: install the newest with `pipx install cookiecutter`."
    ], result.stderr
    assert list(output.iterdir()) == []


def test_debian_12s_cookiecutter_asking_questions_writes_nothing(
    cookiecutter_bin, tmp_path
):
    # 1.7.3 asks for dict values too (_jinja2_env_vars) and, with click 8,
    # cannot take their default: it never reaches the hook. What it must not
    # do is leave anything behind; the README's first lines say to use pipx.
    bin_dir = cookiecutter_bin("1.7.3", *TOO_OLD["1.7.3"])
    result = subprocess.run(
        [bin_dir / "cookiecutter", "-o", tmp_path / "out", TEMPLATE],
        input="\n" * 40,
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "_jinja2_env_vars [default]: Error: Unable to decode to JSON." in (
        result.stdout + result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_yes_no_answers_on_an_older_command_line_are_refused(
    cookiecutter_bin, tmp_path
):
    # Before 2.7, `api_docs=no` arrives as the text "no", which reads as yes.
    output = tmp_path / "out"
    output.mkdir()
    result = run(
        [cookiecutter_bin(OLDEST) / "cookiecutter", "--no-input", "-o", output,
         TEMPLATE, "api_docs=no"],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "api_docs 'no' is text, not yes or no" in result.stderr
    assert "pipx install cookiecutter" in result.stderr
    assert list(output.iterdir()) == []


def test_yes_no_answers_on_the_newest_command_line_bake(cookiecutter_bin, tmp_path):
    result = run(
        [cookiecutter_bin(NEWEST) / "cookiecutter", "--no-input", "-o", tmp_path,
         TEMPLATE, "api_docs=no"],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    project = tmp_path / VARIANTS["default"].slug
    assert not (project / "config" / "api_docs.py").exists()
