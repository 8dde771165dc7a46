"""The phases of a deploy, read from the task times the host proofs record:
they add up to the run, and every task of the playbook's release lands in
a phase that names it."""

import json

import yaml

from generator.deploy_phases import PHASES, phase_figures, phase_of, phases

from .helpers import TEMPLATE

ROLES = TEMPLATE / "{{cookiecutter.project_slug}}" / "deploy" / "ansible" / "roles"


def task(t, name, path, role="", action="ansible.builtin.command"):
    return {"event": "task", "t": t, "name": name, "path": path, "role": role,
            "action": action}  # fmt: skip


def test_each_task_owns_the_time_until_the_next_and_the_phases_add_up():
    release = "/p/deploy/ansible/roles/app/tasks/install.yml:9"
    events = [
        {"event": "loaded", "t": 104.0},
        task(105.0, "Gathering Facts", "/p/site.yml:3", action="gather_facts"),
        task(106.0, "Install the base packages", "/p/roles/base/tasks/main.yml:2"),
        task(108.5, "Upload it and unpack it into the deploy folder", release, "app"),
        task(109.0, "Install the release into it", release, "app"),
        task(
            112.0,
            "Ask the live release for its health",
            "/p/roles/app/tasks/health.yml:5",
            "app",
        ),  # fmt: skip
        task(113.0, "Serve the site", "/p/roles/web/tasks/main.yml:40", "web"),
        {"event": "end", "t": 115.0},
    ]
    found = phases(events, started=100.0)
    assert found["build"] == 4.0 and found["start"] == 1.0
    assert found["facts"] == 1.0 and found["baseline"] == 2.5
    assert found["install"] == 3.0 and found["health"] == 1.0
    assert found["web"] == 2.0
    assert sum(found[phase] for phase in PHASES) == 15.0
    assert found["tasks"] == 6 and found["to_last_health"] == 13.0


def test_figures_are_named_after_the_run(tmp_path):
    times = tmp_path / "times.jsonl"
    events = [
        {"event": "loaded", "t": 10.0},
        task(11.0, "Create the service group", "/p/roles/base/tasks/main.yml:9"),
        {"event": "end", "t": 12.5},
    ]
    times.write_text("".join(json.dumps(event) + "\n" for event in events))

    class Run:
        started, task_times = 8.0, times

    figures = phase_figures("release", Run)
    assert figures["release_phase_build_s"] == 2.0
    assert figures["release_phase_baseline_s"] == 1.5
    assert figures["release_tasks"] == 1
    assert "release_to_last_health_s" not in figures


def _task_names(tasks):
    for entry in tasks or ():
        yield entry["name"]
        for key in ("block", "rescue", "always"):
            yield from _task_names(entry.get(key))


def test_every_task_of_the_app_role_has_a_phase_of_its_own():
    for path in sorted((ROLES / "app" / "tasks").glob("*.yml")):
        for name in _task_names(yaml.safe_load(path.read_text())):
            found = phase_of({"name": name, "path": f"{path}:1", "role": "app",
                              "action": "x"})  # fmt: skip
            assert found in PHASES and found != "other", (path.name, name)
    by_phase = set()
    for file in ("release.yml", "install.yml", "prove.yml"):
        path = ROLES / "app" / "tasks" / file
        by_phase |= {
            phase_of({"name": n, "path": f"{path}:1", "role": "app", "action": "x"})
            for n in _task_names(yaml.safe_load(path.read_text()))
        }
    assert {"upload", "install", "gate", "migrate", "collectstatic"} <= by_phase


def test_ansible_s_role_prefix_and_handlers_are_read():
    handler = task(0, "app : Restart the app", "/p/roles/app/handlers/main.yml:7")
    assert phase_of(handler) == "switch"
    upload = task(0, "app : Upload it", "/p/roles/app/tasks/install.yml:30")
    assert phase_of(upload) == "upload"
    setup = task(0, "app : Create the folder", "/p/roles/app/tasks/main.yml:8")
    assert phase_of(setup) == "setup"
