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


LAYOUT_PLAY = """
- name: Read the layout as site.yml does, then write down what each host plays
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the layout
      ansible.builtin.include_role:
        name: host
        tasks_from: layout
    - name: Write it down
      ansible.builtin.copy:
        content: "{{ {'groups': group_names | sort, 'address': host_private_address,
          'app_over_network': host_app_over_network,
          'database_over_network': host_database_over_network} | to_json }}"
        dest: "{{ out }}/{{ inventory_hostname }}.json"
        mode: "0644"
"""
LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": "python3"}
CLUSTER = {
    "all": {
        "vars": LOCAL,
        "children": {
            "lb": {"hosts": {"lb1": {"private_address": "10.0.0.10"}}},
            "db": {"hosts": {"lb1": None}},
            "app": {
                "hosts": {
                    "app1": {"private_address": "10.0.0.11"},
                    "app2": {"ansible_host": "10.0.0.12"},
                }
            },
        },
    }
}


def read_layout(ansible_dir, inventory, tmp_path):
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    playbook = ansible_dir / "layout-check.yml"
    playbook.write_text(LAYOUT_PLAY)
    try:
        result = run(
            [
                BIN / "ansible-playbook",
                "-i",
                tmp_path / "inventory.yml",
                "-e",
                f"out={tmp_path}",
                playbook,
            ],
            cwd=ansible_dir,
            env=ansible_env(ansible_dir),
        )
    finally:
        playbook.unlink()
    layout = {
        path.stem: yaml.safe_load(path.read_text()) for path in tmp_path.glob("*.json")
    }
    return result, layout


def test_an_inventory_without_groups_is_one_host_playing_every_part(
    ansible_dir, tmp_path
):
    inventory = {"all": {"hosts": {"api.example.com": LOCAL}}}
    result, layout = read_layout(ansible_dir, inventory, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert layout == {
        "api.example.com": {
            "groups": ["app", "db", "lb", "one_host"],
            "address": "api.example.com",
            "app_over_network": False,
            "database_over_network": False,
        }
    }


def test_app_hosts_behind_a_load_balancer_need_postgresql(ansible_dir, tmp_path):
    result, layout = read_layout(ansible_dir, CLUSTER, tmp_path)
    output = result.stdout + result.stderr
    if "database: sqlite" in (ansible_dir / "group_vars" / "all.yml").read_text():
        assert result.returncode != 0
        assert "SQLite" in output and "may hold one host only" in output, output
        assert "app1, app2" in output
        assert layout == {}
        return
    assert result.returncode == 0, output
    assert layout["app1"]["address"] == "10.0.0.11"
    assert layout["app2"]["address"] == "10.0.0.12"
    assert layout["lb1"]["groups"] == ["db", "lb"]
    assert all(host["app_over_network"] for host in layout.values())
    assert all(host["database_over_network"] for host in layout.values())


ROLES = TEMPLATE / "{{cookiecutter.project_slug}}" / "deploy" / "ansible" / "roles"
# Modules that change a host whenever they do anything.
WRITERS = (
    "apt", "copy", "file", "group", "systemd_service", "template", "unarchive", "user",
)  # fmt: skip
# The gate's start and stop of its side socket: a pair that leaves the host
# as it found it (roles/app/tasks/gate.yml says so).
LEAVES_THE_HOST_AS_IT_WAS = {
    ("gate.yml", "Start the release on its side socket"),
    ("gate.yml", "Stop the side socket's release"),
}


def _tasks(entries):
    for entry in entries or ():
        yield entry
        for key in ("block", "rescue", "always"):
            yield from _tasks(entry.get(key))


def test_no_task_that_changes_the_host_hides_it():
    hidden = set()
    for path in sorted([*ROLES.glob("*/tasks/*.yml"), *ROLES.glob("*/handlers/*.yml")]):
        for task in _tasks(yaml.safe_load(path.read_text())):
            module = next((key for key in task if key.startswith("ansible.")), "")
            if (
                module.rsplit(".", 1)[-1] in WRITERS
                and task.get("changed_when") is False
            ):
                hidden.add((path.name, task["name"]))
    assert hidden == LEAVES_THE_HOST_AS_IT_WAS
    gate = (ROLES / "app" / "tasks" / "gate.yml").read_text()
    assert gate.count("leaves the host") + gate.count("as it was") >= 2
