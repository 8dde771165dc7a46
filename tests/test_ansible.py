"""The generated playbook, per variant: Ansible parses it, and ansible-lint's
production profile passes (full module names, a name on every task, no
risky shell, no plaintext secrets). The playbook and roles are copied
without rendering: Ansible's own `{{ }}` reaches the project intact."""

import os

import pytest

from .helpers import BIN, TEMPLATE, VARIANT_PARAMS, run


@pytest.fixture(scope="module", params=VARIANT_PARAMS)
def ansible_dir(request, cookies_session):
    result = cookies_session.bake(
        template=str(TEMPLATE), extra_context=request.param.answers
    )
    assert result.exit_code == 0, result.exception
    return result.project_path / "deploy" / "ansible"


def ansible_env(ansible_dir):
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ansible_dir / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(ansible_dir.parent.parent / ".ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
    }


def test_the_playbooks_parse(ansible_dir):
    for playbook in ("site.yml", "rollback.yml"):
        result = run(
            [
                BIN / "ansible-playbook",
                "-i",
                "inventory.yml",
                "--syntax-check",
                playbook,
            ],
            cwd=ansible_dir,
            env=ansible_env(ansible_dir),
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_production_profile_passes(ansible_dir):
    result = run(
        [
            BIN / "ansible-lint",
            "--offline",
            "--nocolor",
            "--profile",
            "production",
            "site.yml",
            "rollback.yml",
        ],
        cwd=ansible_dir,
        env=ansible_env(ansible_dir),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_expressions_reach_the_project_unrendered(ansible_dir):
    tasks = (ansible_dir / "roles" / "app" / "tasks" / "release.yml").read_text()
    assert "{{ app_release_dir }}" in tasks
    assert "cookiecutter" not in (ansible_dir / "group_vars" / "all.yml").read_text()
