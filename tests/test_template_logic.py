"""Jinja logic in the template stays rare: one place per option (the hook's
prune table, the lock's markers, environment settings) rather than blocks
in every file: at most 25 blocks in all, and 6 in any one file."""

import re

from .helpers import TEMPLATE

IF_BLOCK = re.compile(r"\{%-?\s*if\s")
MAX_BLOCKS = 25
MAX_BLOCKS_PER_FILE = 6
# The playbook's roles are copied as they are: their {% if %} is Ansible's.
ANSIBLE_ROLES = "deploy/ansible/roles/"


def blocks_per_file():
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    counts = {}
    for path in [*project.rglob("*"), *(TEMPLATE / "templates").rglob("*")]:
        relative = path.relative_to(TEMPLATE).as_posix()
        if path.is_file() and ANSIBLE_ROLES not in relative:
            found = len(IF_BLOCK.findall(path.read_text(errors="replace")))
            if found:
                counts[relative] = found
    return counts


def test_the_template_holds_few_if_blocks():
    counts = blocks_per_file()
    assert sum(counts.values()) <= MAX_BLOCKS, counts
    busiest = max(counts, key=counts.get)
    assert counts[busiest] <= MAX_BLOCKS_PER_FILE, f"{busiest}: {counts[busiest]}"
