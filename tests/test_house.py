"""The harness's own house rules, read from its source: every module named
in README's Layout, no class over 250 lines and no function over 60, every
attribute of a class set in its __init__, and the contract between stacks
and steps (generator/stacks/contract.py) doing what it says."""

import ast
import re
from pathlib import Path

import pytest

from generator import checks, programs
from generator.checking import StepFailed
from generator.programs import ceiling, release_probe
from generator.project import Project
from generator.runner import Found, Step, run_steps
from generator.stacks.contract import (
    HasGunicornMaster,
    HasJournal,
    Stack,
    members,
    missing,
    needs,
    provides,
)
from generator.stacks.local import LocalStack
from generator.verify import plan

from .helpers import TEMPLATE, VARIANTS

GENERATOR = TEMPLATE / "generator"
MAX_CLASS_LINES, MAX_FUNCTION_LINES = 250, 60


def modules():
    return sorted(GENERATOR.rglob("*.py"))


def parsed(path):
    return ast.parse(path.read_text(), str(path))


def layout_section():
    readme = (TEMPLATE / "README.md").read_text()
    section = readme[readme.index("## Layout") :]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


def named_in_layout():
    """(folder, module) for each module line of the Layout: a folder line
    starts with generator/, its modules follow, indented."""
    named, folder = set(), None
    for line in layout_section().splitlines():
        if line.startswith("generator/"):
            folder = line.split()[0]
        elif folder and re.match(r"  \S+\.py\b", line):
            named.add((folder, line.split()[0]))
        elif not line.startswith(" "):
            folder = None
    return named


def test_readme_layout_names_every_module_of_the_generator():
    existing = {
        (f"{path.parent.relative_to(TEMPLATE)}/", path.name)
        for path in modules()
        if path.name != "__init__.py"
    }
    named = named_in_layout()
    assert existing - named == set(), "modules missing from README's Layout"
    assert named - existing == set(), "README's Layout names modules that are gone"


def test_no_class_or_function_is_too_long():
    too_long = []
    for path in modules():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ClassDef):
                limit = MAX_CLASS_LINES
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                limit = MAX_FUNCTION_LINES
            else:
                continue
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                too_long.append(f"{path}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long


def _assigned(target):
    """The attributes of self a target sets, through tuples."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return {name for element in target.elts for name in _assigned(element)}
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ):
        return {target.attr}
    return set()


def _self_assignments(function):
    """The names of self.NAME = ... in function."""
    names = set()
    for node in ast.walk(function):
        for target in getattr(node, "targets", [getattr(node, "target", None)]):
            names |= _assigned(target)
    return names


def test_every_attribute_is_set_in_init():
    classes = {}
    for path in modules():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node

    def set_in_init(name):
        node = classes.get(name)
        if node is None:
            return set()
        attributes = set()
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                attributes |= _self_assignments(item)
            elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = (
                    item.targets if isinstance(item, ast.Assign) else [item.target]
                )
                attributes |= {getattr(target, "id", None) for target in targets}
        for base in node.bases:
            attributes |= set_in_init(getattr(base, "id", None))
        return attributes

    def ours(node):
        """Whether every base is a class of the generator's (an outside
        base, http.client's say, sets attributes we cannot see)."""
        bases = [getattr(base, "id", None) for base in node.bases]
        return all(base in classes and ours(classes[base]) for base in bases)

    outside = []
    for name, node in classes.items():
        if not ours(node):
            continue
        allowed = set_in_init(name)
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name != "__init__":
                for attribute in _self_assignments(item) - allowed:
                    outside.append(f"{name}.{item.name} sets self.{attribute}")
    assert not outside


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """A local stack of a bake, never brought up."""
    from cookiecutter.main import cookiecutter

    variant = VARIANTS["default"]
    deploy_root = tmp_path_factory.mktemp("srv")
    output = tmp_path_factory.mktemp("bake")
    path = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=variant.answers_for_test_stack(deploy_root),
        output_dir=str(output),
    )
    stack = LocalStack(Project.load(path))
    yield stack
    stack.clean_up(keep_logs=False)


def test_the_local_stack_can_run_every_step_of_verify(local_stack):
    assert {step.label: missing(local_stack, step.action) for step in plan()} == {
        step.label: [] for step in plan()
    }


def test_members_of_a_capability_are_its_annotations_and_methods():
    assert members(HasGunicornMaster) == {
        "gunicorn_pid",
        "gunicorn_log",
        "worker_pids",
        "signal",
    }
    assert "sign_in" in members(Stack) and "https" in members(Stack)


class Probe:
    """A stack with only what the runner's test needs."""

    project = address = certificate = https = http = user = None
    static_file = site_access_log = None
    gunicorn_log = None

    def sign_in(self): ...
    def create_superuser(self, user): ...
    def deploy_path(self, relative): ...
    def put_acme_challenge(self, name, text): ...
    def put_metrics_allow(self, text): ...
    def reload_nginx(self): ...
    def app_log_lines(self):
        return ["a line"]


@needs(HasJournal)
def reads_the_journal(stack):
    return Found("read", {"lines": len(stack.app_log_lines())})


@needs(HasGunicornMaster)
def signals_the_master(stack):
    raise AssertionError("a stack without a master ran this")


def test_the_runner_runs_what_a_stack_can_and_names_the_rest():
    said = []
    steps = [
        Step("journal", reads_the_journal),
        Step("master", signals_the_master),
    ]
    assert provides(Probe(), HasJournal) and not provides(Probe(), HasGunicornMaster)
    report = run_steps(Probe(), steps, said.append)
    assert report.passed and report.labels_passed == ["journal"]
    assert report.figures == {"lines": 1}
    assert report.not_run == {"master": ["HasGunicornMaster"]}
    assert said[-1] == "not for this stack: master (needs HasGunicornMaster)"


def test_a_figure_reported_twice_fails_its_step():
    report = run_steps(
        Probe(),
        [Step("first", reads_the_journal), Step("again", reads_the_journal)],
        lambda line: None,
    )
    assert report.labels_passed == ["first"] and not report.passed
    assert "figures reported twice: ['lines']" in report.outcomes[-1].detail


def test_a_failure_stops_the_run_and_the_checks_after_an_action():
    def fails(stack):
        raise StepFailed("on purpose")

    report = run_steps(
        Probe(),
        [
            Step("action", reads_the_journal, (Step("check", fails),)),
            Step("next", fails),
        ],
        lambda line: None,
    )
    assert [o.label for o in report.outcomes] == ["action", "  check"]


def test_checks_that_run_once_come_after_the_others_after_a_first_deploy():
    once = [step for step in checks.HTTP if step not in checks.AFTER_EACH_ACTION]
    assert once and checks.AFTER_FIRST_DEPLOY[-len(once) :] == tuple(once)


def test_programs_are_modules_that_do_what_they_say():
    answered = []
    body = ceiling.application({}, lambda status, headers: answered.append(status))
    assert answered == ["200 OK"] and b"".join(body) == ceiling.BODY

    def view(request):
        return {}

    probed = release_probe.probed(view)
    assert probed(None) == {release_probe.HEADER: release_probe.SECOND}
    assert probed.__name__ == view.__name__
    assert programs.constant("induced_error", "PATH") == "verify/induced-error/"
    for path in Path(programs.FOLDER).glob("*.py"):
        assert path == programs.path(path.stem)
