"""Production settings, loaded the way Gunicorn loads them: in a fresh process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def production_env(tmp_path):
    """Every variable production needs, and no .env file."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "{{ cookiecutter.domain_name }}",
{% if cookiecutter.database == "postgresql" %}
        "DATABASE_URL": "postgres://app@localhost:5432/app",
{% else %}
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
{% endif %}
    }
{% if cookiecutter.jwt_algorithm == "RS256" %}
    from django.conf import settings

    private_key, public_key = tmp_path / "private.pem", tmp_path / "public.pem"
    private_key.write_text(settings.SIMPLE_JWT["SIGNING_KEY"])
    public_key.write_text(settings.SIMPLE_JWT["VERIFYING_KEY"])
    env["JWT_PRIVATE_KEY_FILE"] = str(private_key)
    env["JWT_PUBLIC_KEY_FILE"] = str(public_key)
{% else %}
    env["JWT_SIGNING_KEY"] = secrets.token_urlsafe(48)
{% endif %}
    return env


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
{% if cookiecutter.jwt_algorithm == "RS256" %}
        "JWT_PRIVATE_KEY_FILE",
        "JWT_PUBLIC_KEY_FILE",
{% else %}
        "JWT_SIGNING_KEY",
{% endif %}
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
