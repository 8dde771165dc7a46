"""The one runner: named steps in order against a stack, whichever stack.

Each step prints PASS or FAIL with its time and what it found; the first
failure stops the run and prints the tail of the log that explains it. A
step runs only on a stack that has what it needs (stacks/contract.py);
the others are named once at the end. A step that is an action (a deploy,
a release) may name checks to run after it; they run from a new client
address where the stack has one. A step returns its detail, or Found with
figures too; the report gathers them.
"""

import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.checking import StepFailed, tail
from generator.stacks.contract import MakesNewClients, missing, provides

LABEL_WIDTH = 36


@dataclass(frozen=True)
class Found:
    """What a step found: the line it prints, and figures for the report."""

    detail: str
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    label: str  # what people and tests read
    action: Callable  # of the stack: returns its detail, or Found
    then: tuple = ()  # Steps (checks) to run after this one


def once(check):
    """Mark a check to run once on a stack, after its first deploy: it
    spends a budget (sign-ins per address and minute) or proves the
    server rather than a deploy."""
    check.once = True
    return check


def runs_once(step):
    return getattr(step.action, "once", False)


@dataclass
class Outcome:
    label: str
    passed: bool
    detail: str
    seconds: float


@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    # label -> the capabilities the stack lacked for it
    not_run: dict = field(default_factory=dict)

    @property
    def passed(self):
        return all(outcome.passed for outcome in self.outcomes)

    @property
    def labels_passed(self):
        return [outcome.label for outcome in self.outcomes if outcome.passed]

    def detail(self, label):
        return next(o.detail for o in self.outcomes if o.label == label)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def handle_termination():
    """SIGTERM (a CI timeout, say) cleans up like Ctrl-C does, and Ctrl-C works
    even where a shell started us with SIGINT ignored (`cmd &`)."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _failure_lines(failure):
    """What to print under a FAIL line: the log that explains it, or for
    an error of the harness itself, where it was raised."""
    if isinstance(failure, StepFailed):
        if failure.log:
            return [f"----- last lines of {failure.log} -----", tail(failure.log)]
        return []
    return traceback.format_exception(failure)


def _run_one(stack, step, out, report, indent):
    """Run one step, if the stack can; False when it failed."""
    lacking = missing(stack, step.action)
    if lacking:
        report.not_run.setdefault(step.label, lacking)
        return True
    label = f"{indent}{step.label}"
    started = time.perf_counter()
    try:
        found = step.action(stack)
        if not isinstance(found, Found):
            found = Found(found)
        twice = sorted(set(found.figures) & set(report.figures))
        if twice:
            raise StepFailed(f"figures reported twice: {twice}")
    except Exception as failure:
        seconds = time.perf_counter() - started
        report.outcomes.append(Outcome(label, False, str(failure), seconds))
        said = str(failure) or type(failure).__name__
        out(f"FAIL  {label:<{LABEL_WIDTH}} {seconds:6.1f}s  {said}")
        for line in _failure_lines(failure):
            out(line.rstrip("\n"))
        return False
    seconds = time.perf_counter() - started
    report.figures.update(found.figures)
    report.outcomes.append(Outcome(label, True, found.detail, seconds))
    out(f"PASS  {label:<{LABEL_WIDTH}} {seconds:6.1f}s  {found.detail}")
    return True


def run_steps(stack, steps, out=print, report=None):
    """Each step in order, and the checks after it, until one fails;
    returns the Report (report.passed says how it went)."""
    report = report if report is not None else Report()
    for step in steps:
        if not _run_one(stack, step, out, report, ""):
            return report
        if step.then and provides(stack, MakesNewClients):
            stack.new_client_address()
        for check in step.then:
            if not _run_one(stack, check, out, report, "  "):
                return report
    if report.not_run:
        left_out = "; ".join(
            f"{label} (needs {', '.join(lacking)})"
            for label, lacking in report.not_run.items()
        )
        out(f"not for this stack: {left_out}")
    return report
