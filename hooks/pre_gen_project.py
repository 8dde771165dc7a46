"""Check every answer before cookiecutter writes a file.

First that this cookiecutter is new enough to bake the template at all; then
each check says what is wrong with a value and what would do, or returns None.
All problems are printed at once with how to retry, and the hook exits 1.
"""

import difflib
import importlib.metadata
import json
import keyword
import re
import sys
import zoneinfo
from pathlib import Path

# The answers arrive as JSON inside a string literal, so this file is valid
# Python before rendering and its functions can be imported by the tests.
ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# Names the project imports or creates beside its package, which a slug would
# shadow (the standard library's are in sys.stdlib_module_names).
# fmt: off
RESERVED_SLUGS = frozenset({
    "accounts", "argon2", "config", "corsheaders", "cryptography", "deploy",
    "deployment", "dj_database_url", "django", "drf_spectacular",
    "drf_spectacular_sidecar", "fuzz", "gunicorn", "jwt", "manage", "notes",
    "psycopg", "pytest", "pytest_django", "rest_framework",
    "rest_framework_simplejwt", "test", "tests", "whitenoise",
})
# fmt: on
# 2.2 brought yes/no answers, __prompts__ and the templates/ folder that
# includes are read from; older ones make a broken project or none.
OLDEST_COOKIECUTTER = "2.2.0"

# The slug names the service's system user too: useradd takes 32 characters,
# systemd warns above 31 (utmp's UT_NAMESIZE less its NUL).
MAX_SLUG_LENGTH = 31

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def version_tuple(version):
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def cookiecutter_problem(version):
    """Why this cookiecutter cannot bake the template, or None."""
    if version_tuple(version) < version_tuple(OLDEST_COOKIECUTTER):
        return (
            f"cookiecutter {version} is too old for this template, which needs "
            f"{OLDEST_COOKIECUTTER} or newer: install the newest with "
            "`pipx install cookiecutter`."
        )
    return None


def running_cookiecutter():
    """The version of the cookiecutter running this hook (the hook runs in its
    Python), or None when something else runs it. Read from the installed
    package's metadata: 2.2.0's own __version__ says 2.1.2.dev0."""
    try:
        return importlib.metadata.version("cookiecutter")
    except importlib.metadata.PackageNotFoundError:
        return None


def free_text_problem(value):
    # Free text lands inside quoted strings in pyproject.toml and Python files.
    if not value.strip():
        return "is empty: give it a value."
    if any(char in value for char in '"\\\n'):
        return "holds a double quote, backslash or line break: leave those out."
    return None


def slug_problem(slug):
    """Why slug cannot name the package, the service and its user, or None."""
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            "is not a lowercase Python identifier: use letters, digits and "
            "underscores, starting with a letter, e.g. 'my_api'."
        )
    if len(slug) > MAX_SLUG_LENGTH:
        return f"is longer than the {MAX_SLUG_LENGTH} characters a user name takes."
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"is a Python keyword: pick another name, e.g. '{slug}_api'."
    if slug in RESERVED_SLUGS or slug in sys.stdlib_module_names:
        return f"would shadow a module the project imports: use e.g. '{slug}_api'."
    return None


def email_problem(email):
    if not EMAIL_PATTERN.fullmatch(email):
        return "is not an email address: use name@example.com."
    return None


def domain_problem(domain):
    labels = domain.split(".")
    well_formed = all(DOMAIN_LABEL.fullmatch(label) for label in labels)
    if not well_formed or len(labels) < 2 or labels[-1].isdigit() or len(domain) > 253:
        return (
            "is not a lowercase host name: give the bare domain without scheme, "
            "port or path, e.g. 'api.example.com'."
        )
    return None


def yes_no_problem(value):
    # cookiecutter before 2.7 keeps `api_docs=no` on its command line as the
    # text "no", which every template condition would read as yes.
    if not isinstance(value, bool):
        return (
            "is text, not yes or no: this cookiecutter takes yes/no answers from "
            "its command line as text. Answer at the prompt, or install the "
            "newest with `pipx install cookiecutter`."
        )
    return None


def closest_time_zone(zone):
    """The zone someone typing `zone` most likely meant: the same name in
    another case, a city's zone (`paris`), or a near miss, else None."""
    zones = {name.lower(): name for name in zoneinfo.available_timezones()}
    typed = zone.strip().lower().replace(" ", "_")
    cities = {}
    for name in zones.values():
        cities.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    if typed in zones:
        return zones[typed]
    if len(cities.get(typed, [])) == 1:
        return cities[typed][0]
    close = difflib.get_close_matches(typed, zones, n=1, cutoff=0.8)
    return zones[close[0]] if close else None


def time_zone_problem(zone):
    # Django refuses to start with a zone the host's time zone database lacks.
    if zone in zoneinfo.available_timezones():
        return None
    if meant := closest_time_zone(zone):
        return f"is not an IANA time zone: did you mean {meant!r}?"
    return "is not an IANA time zone: use e.g. 'UTC' or 'Europe/Berlin'."


def path_problem(root):
    if not root.startswith("/") or root == "/" or any(c.isspace() for c in root):
        return "is not an absolute path without spaces: use e.g. '/srv/my_api'."
    return None


def port_problem(value):
    if not str(value).isdigit() or not 1 <= int(value) <= 65535:
        return "is not a port: use a number from 1 to 65535."
    return None


CHECKS = (
    ("project_name", free_text_problem),
    ("description", free_text_problem),
    ("author_name", free_text_problem),
    ("project_slug", slug_problem),
    ("author_email", email_problem),
    ("domain_name", domain_problem),
    ("api_docs", yes_no_problem),
    ("allow_registration", yes_no_problem),
    ("example_api", yes_no_problem),
    ("hsts_preload", yes_no_problem),
    ("time_zone", time_zone_problem),
    ("deploy_root", path_problem),
    ("http_port", port_problem),
    ("https_port", port_problem),
)


def find_problems(answers):
    """Every problem as (field, message), the message naming the field and
    its value, then saying the fix."""
    problems = [
        (field, f"{field} {answers[field]!r} {problem}")
        for field, check in CHECKS
        if (problem := check(answers[field]))
    ]
    if str(answers["https_port"]) == str(answers["http_port"]):
        message = "https_port equals http_port: give each listener its own."
        problems.append(("https_port", message))
    return problems


def listing(problems):
    """The problems as lines to print (prodstack new prints them too)."""
    lines = ["The answers need fixing before the project can be made:"]
    return lines + [f"  - {message}" for _, message in problems]


def fields_in_words(problems):
    """The fields to change, as `a, b and c`."""
    fields = list(dict.fromkeys(field for field, _ in problems))
    return ", ".join(fields[:-1]) + " and " * (len(fields) > 1) + fields[-1]


def retry_hint(answers, fields):
    # cookiecutter saved the answers in its replay file before it ran this
    # hook. The file holds each answer twice: replaying reads the ones under
    # "cookiecutter" and ignores the copy under "_cookiecutter".
    replay = Path("~/.cookiecutter_replay", Path(answers["_repo_dir"]).name + ".json")
    if not replay.expanduser().is_file():  # a replay_dir set in cookiecutter's config
        replay = Path("REPLAY_DIR", replay.name)
    return (
        f'Change {fields} under "cookiecutter" in {replay} (the copy under '
        '"_cookiecutter" is not read), then run:\n'
        f"  cookiecutter --replay-file {replay} "
        f"--output-dir {answers['_output_dir']} {answers['_template']}"
    )


def main():
    version = running_cookiecutter()
    if version and (problem := cookiecutter_problem(version)):
        sys.exit(problem)
    answers = json.loads(ANSWERS_JSON)
    if problems := find_problems(answers):
        hint = retry_hint(answers, fields_in_words(problems))
        sys.exit("\n".join([*listing(problems), hint]))


if __name__ == "__main__":
    main()
