"""Where a deploy's seconds go: the phases of one `make deploy`, read from
the task times the callback in ansible_callbacks/task_times.py writes.

Each task owns the time from its start to the next task's start (the
controller's own work between tasks included), so the phases add up to the
whole run. Figures are named NAME_phase_PHASE_s (NAME: first_deploy,
release, quiet_release, no_change_deploy), with NAME_tasks (tasks started)
and NAME_to_last_health_s (from `make deploy` to the end of the last health
check). The phases, in the order a deploy meets them:

    build          `make release`: the artifact built on this machine, and
                   Ansible starting up
    start          Ansible reading the inventory and the playbook
    facts          gathering facts
    baseline       roles host and base: login, layout, firewall, SSH,
                   updates, logs, packages, the service user
    database       role database
    setup          the app's folders, environment file and keys
    upload         the artifact to the host (and static files to load
                   balancers that are not app hosts)
    install        the release's virtualenv
    gate           check --deploy, the migration guard, the side socket
    migrate        manage.py migrate
    collectstatic  manage.py collectstatic
    switch         the links, the units, the restart, old releases pruned
    health         the live release's health checks
    web            role web: Nginx, the site, the certificate
    other          anything else (the plays' own include tasks)
"""

import json
from pathlib import Path

PHASES = (
    "build", "start", "facts", "baseline", "database", "setup", "upload",
    "install", "gate", "migrate", "collectstatic", "switch", "health", "web",
    "other",
)  # fmt: skip
# The deploys a host proof times, as their figures are named.
RUNS = ("first_deploy", "quiet_release", "release", "no_change_deploy")
# (role, task file, start of the task's name or "" for any) -> phase; the
# first rule that matches wins.
RULES = (
    ("host", "", "", "baseline"),
    ("base", "", "", "baseline"),
    ("database", "", "", "database"),
    # The load balancers' upstream around an app host's restart.
    ("web", "upstream.yml", "", "switch"),
    ("web", "", "", "web"),
    ("app", "release.yml", "Read which release", "upload"),
    ("app", "release.yml", "Upload", "upload"),
    ("app", "release.yml", "Look for the release's complete install", "install"),
    ("app", "release.yml", "Prove", "gate"),
    ("app", "install.yml", "List the wheels", "upload"),
    ("app", "install.yml", "Pack the release", "upload"),
    ("app", "install.yml", "Upload", "upload"),
    ("app", "install.yml", "", "install"),
    ("app", "prove.yml", "Apply the release's migrations", "migrate"),
    ("app", "prove.yml", "Collect the static files", "collectstatic"),
    ("app", "prove.yml", "", "gate"),
    # A task of the release's that no rule above names: a test finds it.
    ("app", "release.yml", "", "other"),
    ("app", "gate.yml", "", "gate"),
    ("app", "health.yml", "", "health"),
    ("app", "load_balancer.yml", "", "upload"),
    ("app", "env.yml", "", "setup"),
    ("app", "keys.yml", "", "setup"),
    ("app", "main.yml", "", "setup"),
    ("app", "", "", "switch"),
)
FACT_ACTIONS = ("gather_facts", "setup", "ansible.builtin.gather_facts")


def read_events(path):
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def task_file(path):
    """The task's role and file, from Ansible's "FILE:LINE": ("app",
    "release.yml"), ("app", "handlers/main.yml"), or ("", "site.yml")."""
    file = Path(path.rsplit(":", 1)[0])
    parts = file.parts
    if "roles" not in parts:
        return "", file.name
    at = len(parts) - 1 - parts[::-1].index("roles")
    folder = parts[-2]
    return parts[at + 1], file.name if folder == "tasks" else f"{folder}/{file.name}"


def phase_of(task):
    if task["action"] in FACT_ACTIONS:
        return "facts"
    role, file = task_file(task["path"])
    role = role or task["role"]
    # Ansible names a role's task "ROLE : NAME".
    name = task["name"].removeprefix(f"{role} : ")
    for rule_role, rule_file, name_start, phase in RULES:
        if role != rule_role or rule_file not in ("", file):
            continue
        if name.startswith(name_start):
            return phase
    return "other"


def phases(events, started):
    """{phase: seconds} of one run that began (`make`) at epoch `started`,
    with "tasks" and "to_last_health" besides."""
    seconds = dict.fromkeys(PHASES, 0.0)
    marks = {e["event"]: e["t"] for e in events if e["event"] in ("loaded", "end")}
    if not marks:
        return {}
    seconds["build"] = marks["loaded"] - started
    tasks = [e for e in events if e["event"] == "task"]
    start_of_tasks = tasks[0]["t"] if tasks else marks.get("end", marks["loaded"])
    seconds["start"] = start_of_tasks - marks["loaded"]
    last_health = None
    for task, following in zip(tasks, [*tasks[1:], None], strict=True):
        until = following["t"] if following else marks.get("end", task["t"])
        phase = phase_of(task)
        seconds[phase] += until - task["t"]
        if phase == "health":
            last_health = until
    seconds["tasks"] = len(tasks)
    if last_health is not None:
        seconds["to_last_health"] = last_health - started
    return seconds


def phase_figures(name, run):
    """A PlaybookRun's phases as figures named NAME_phase_PHASE_s."""
    found = phases(read_events(run.task_times), run.started)
    figures = {
        f"{name}_phase_{phase}_s": round(found[phase], 1)
        for phase in PHASES
        if phase in found
    }
    if "tasks" in found:
        figures[f"{name}_tasks"] = found["tasks"]
    if "to_last_health" in found:
        figures[f"{name}_to_last_health_s"] = round(found["to_last_health"], 1)
    return figures


def phase_table(figures, runs=RUNS):
    """The phases of the runs the figures hold, as a Markdown table."""
    runs = [run for run in runs if f"{run}_phase_build_s" in figures]
    lines = [
        "| phase | " + " | ".join(runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for phase in PHASES:
        cells = [f"{figures.get(f'{run}_phase_{phase}_s', 0.0):.1f}" for run in runs]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    totals = [
        f"{sum(figures.get(f'{run}_phase_{p}_s', 0.0) for p in PHASES):.1f}"
        for run in runs
    ]
    lines.append("| **total** | " + " | ".join(totals) + " |")
    tasks = [str(figures.get(f"{run}_tasks", "")) for run in runs]
    lines.append("| tasks | " + " | ".join(tasks) + " |")
    return "\n".join(lines)


def callback_environment(task_times):
    """What makes Ansible write a run's task times to `task_times`."""
    return {
        "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "ansible_callbacks"),
        "ANSIBLE_CALLBACKS_ENABLED": "task_times",
        "PRODSTACK_TASK_TIMES": str(task_times),
    }
