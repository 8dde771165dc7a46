"""Production settings, loaded the way Gunicorn loads them: in a fresh process."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from config import jwt_keys

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def production_env(tmp_path):
    """Every variable production needs, and no .env file."""
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "{{ cookiecutter.domain_name }}",
        # check never connects: the development database's address will do.
        "DATABASE_URL": settings.DEFAULT_DATABASE_URL,
        **jwt_keys.fresh_key_variables(tmp_path),
    }


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_passes_with_zero_warnings(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "variable",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        *jwt_keys.VARIABLES,
    ],
)
def test_refuses_to_start_without_each_variable(production_env, variable):
    del production_env[variable]
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    "weak_key", ["django-insecure-development-only", "short-but-random-0123456789"]
)
def test_refuses_a_weak_secret_key(production_env, weak_key):
    production_env["DJANGO_SECRET_KEY"] = weak_key
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_csrf_trusts_the_sites_origin_with_its_port(production_env):
    # A browser's Origin carries a port other than 443; the admin's forms
    # fail the CSRF check unless the trusted origin does too.
    show = "from django.conf import settings; print(settings.CSRF_TRUSTED_ORIGINS)"
    result = manage(production_env, "shell", "-c", show)
    assert result.returncode == 0, result.stderr
    origin = "https://{{ cookiecutter.domain_name }}{{ "" if cookiecutter.https_port|string == "443" else ":" ~ cookiecutter.https_port }}"
    assert result.stdout.splitlines()[-1] == f"[{origin!r}]"


def test_hsts_max_age_is_decided_in_one_place(production_env):
    # Nginx sends the header browsers see; Django's setting only matches it,
    # and no environment variable pretends to change it.
    headers = PROJECT / "deploy" / "nginx" / "security-headers.conf"
    max_age = re.search(r"max-age=(\d+)", headers.read_text()).group(1)
    show = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    result = manage(production_env, "shell", "-c", show)
    assert result.stdout.splitlines()[-1] == max_age
    for documented in (".env.example", "README.md", "deploy/env.example"):
        assert "HSTS_SECONDS" not in (PROJECT / documented).read_text()


RESET_ROUTED = (
    "from django.urls import Resolver404, resolve\n"
    "try:\n"
    "    resolve('/api/auth/password/reset/')\n"
    "    print('routed')\n"
    "except Resolver404:\n"
    "    print('not routed')"
)


def test_password_reset_is_off_without_a_mail_server(production_env):
    result = manage(production_env, "shell", "-c", RESET_ROUTED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "not routed"


def test_password_reset_is_on_with_a_mail_server_and_a_sender(production_env):
    production_env["DJANGO_EMAIL_HOST"] = "smtp.example.com"
    refused = manage(production_env, "check")
    assert refused.returncode != 0
    assert "DJANGO_DEFAULT_FROM_EMAIL" in refused.stderr.splitlines()[-1]
    production_env["DJANGO_DEFAULT_FROM_EMAIL"] = "no-reply@example.com"
    result = manage(production_env, "shell", "-c", RESET_ROUTED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "routed"
