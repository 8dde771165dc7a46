"""Check every answer before cookiecutter writes a file.

Each check returns a message naming the field, the bad value and what is
accepted, or None. All problems are printed at once, then the hook exits 1 and
cookiecutter removes what it had started.
"""

import json
import keyword
import re
import sys

# The answers arrive as JSON inside a string literal, so this file is valid
# Python before rendering and its functions can be imported by the tests.
ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# Names the generated project imports or creates beside its own package: a
# slug equal to one of them would shadow it.
RESERVED_SLUGS = frozenset(
    {
        "accounts",
        "argon2",
        "asyncio",
        "code",
        "config",
        "corsheaders",
        "cryptography",
        "deploy",
        "deployment",
        "dj_database_url",
        "django",
        "drf_spectacular",
        "email",
        "fuzz",
        "gunicorn",
        "http",
        "json",
        "jwt",
        "logging",
        "manage",
        "notes",
        "os",
        "psycopg",
        "pytest",
        "rest_framework",
        "rest_framework_simplejwt",
        "secrets",
        "site",
        "socket",
        "test",
        "tests",
        "types",
        "typing",
        "whitenoise",
    }
)

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
TIME_ZONE_PATTERN = re.compile(r"UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2}")


def free_text_problem(field, value):
    # Free text lands inside quoted strings in pyproject.toml and Python files.
    if not value.strip():
        return f"{field} is empty: give it a value."
    if any(char in value for char in '"\\\n'):
        return (
            f"{field} {value!r} holds a double quote, backslash or line break: "
            "leave those out."
        )
    return None


def check_project_name(answers):
    return free_text_problem("project_name", answers["project_name"])


def check_description(answers):
    return free_text_problem("description", answers["description"])


def check_author_name(answers):
    return free_text_problem("author_name", answers["author_name"])


def check_slug(answers):
    slug = answers["project_slug"]
    if not SLUG_PATTERN.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier: use "
            "letters, digits and underscores, starting with a letter, e.g. 'my_api'."
        )
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return f"project_slug {slug!r} is a Python keyword: pick another name."
    if slug in RESERVED_SLUGS or slug in sys.stdlib_module_names:
        return (
            f"project_slug {slug!r} would shadow the module of that name that the "
            "project imports: pick another name, e.g. 'my_api'."
        )
    return None


def check_email(answers):
    email = answers["author_email"]
    if not EMAIL_PATTERN.fullmatch(email):
        return f"author_email {email!r} is not an email address: use name@example.com."
    return None


def check_domain(answers):
    domain = answers["domain_name"]
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(DOMAIN_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        return (
            f"domain_name {domain!r} is not a lowercase host name: give the bare "
            "domain without scheme, port or path, e.g. 'api.example.com'."
        )
    return None


def check_time_zone(answers):
    zone = answers["time_zone"]
    if not TIME_ZONE_PATTERN.fullmatch(zone):
        return (
            f"time_zone {zone!r} is not an IANA time zone name: "
            "use e.g. 'UTC' or 'Europe/Berlin'."
        )
    return None


def check_deploy_root(answers):
    root = answers["deploy_root"]
    if not root.startswith("/") or root == "/" or any(c.isspace() for c in root):
        return (
            f"deploy_root {root!r} is not an absolute path without spaces: "
            "use e.g. '/srv/my_api'."
        )
    return None


def port_problem(field, value):
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        return f"{field} {text!r} is not a port: use a number from 1 to 65535."
    return None


def check_http_port(answers):
    return port_problem("http_port", answers["http_port"])


def check_https_port(answers):
    problem = port_problem("https_port", answers["https_port"])
    if not problem and str(answers["https_port"]) == str(answers["http_port"]):
        return "https_port equals http_port: give the two listeners different ports."
    return problem


CHECKS = (
    check_project_name,
    check_description,
    check_author_name,
    check_slug,
    check_email,
    check_domain,
    check_time_zone,
    check_deploy_root,
    check_http_port,
    check_https_port,
)


def find_problems(answers):
    return [problem for check in CHECKS if (problem := check(answers))]


def main():
    problems = find_problems(json.loads(ANSWERS_JSON))
    if problems:
        print(
            "The answers need fixing before the project can be made:", file=sys.stderr
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
