"""The generated playbook, per variant: Ansible parses it, and ansible-lint's
production profile passes (full module names, a name on every task, no
risky shell, no plaintext secrets). The playbook and roles are copied
without rendering: Ansible's own `{{ }}` reaches the project intact."""

import os

import pytest
import yaml

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


def test_the_host_role_runs_first_and_ansible_logs_in_as_its_user(ansible_dir):
    reach, deploy, *_ = yaml.safe_load((ansible_dir / "site.yml").read_text())
    # Who to log in as is settled before facts are gathered as anyone, and
    # which part each host plays right after.
    assert reach["gather_facts"] is False
    assert [task["ansible.builtin.include_role"] for task in reach["tasks"]] == [
        {"name": "host", "tasks_from": "reach"},
        {"name": "host", "tasks_from": "layout"},
    ]
    assert deploy["hosts"] == "all"
    assert deploy["roles"][0] == {"role": "host"}
    inventory = yaml.safe_load((ansible_dir / "inventory.yml").read_text())
    (host,) = inventory["all"]["hosts"].values()
    defaults = ansible_dir / "roles" / "host" / "defaults" / "main.yml"
    assert (
        host["ansible_user"] == yaml.safe_load(defaults.read_text())["host_deploy_user"]
    )
    assert host["ansible_become"] is True
