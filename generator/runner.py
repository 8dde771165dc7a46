"""Run named steps against a stack: each prints PASS or FAIL with its time and
what it found; the first failure prints the log that explains it and stops."""

import signal
import time
from dataclasses import dataclass, field

from generator.processes import StepFailed, tail


@dataclass
class Outcome:
    label: str
    passed: bool
    detail: str
    seconds: float


@dataclass
class Report:
    outcomes: list = field(default_factory=list)

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


def run_steps(stack, steps, out, report=None):
    """Run (label, function of the stack) pairs in order until one fails."""
    report = report if report is not None else Report()
    for label, action in steps:
        started = time.perf_counter()
        try:
            detail = action(stack)
        except StepFailed as failure:
            seconds = time.perf_counter() - started
            report.outcomes.append(Outcome(label, False, str(failure), seconds))
            out(f"FAIL  {label:<28} {seconds:6.2f}s  {failure}")
            if failure.log:
                out(f"----- last lines of {failure.log} -----\n{tail(failure.log)}")
            out(f"logs of every step: {stack.logs}")
            return report
        seconds = time.perf_counter() - started
        report.outcomes.append(Outcome(label, True, detail, seconds))
        out(f"PASS  {label:<28} {seconds:6.2f}s  {detail}")
    return report
