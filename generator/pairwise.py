"""Every pair of option values in a few answer sets: a covering array over
the template's choices and yes/no prompts, so that each value of an option
meets each value of every other option in at least one bake. The variants
(variants.yaml) are the matrix that is booted, and verify runs their own
suite and ruff; the answer sets here cover the pairs they leave, and the
template's tests bake each and run its suite and ruff.

The array is built greedily and deterministically: each next answer set is
the combination that covers the most pairs still uncovered (the first such,
in the order cookiecutter.json gives the values).
"""

import itertools
import json
from pathlib import Path

from generator import TEMPLATE_DIR


def options(template_dir=TEMPLATE_DIR):
    """{prompt: its values} for every choice and yes/no prompt."""
    context = json.loads((Path(template_dir) / "cookiecutter.json").read_text())
    found = {}
    for key, value in context.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list):
            found[key] = list(value)
        elif isinstance(value, bool):
            found[key] = [value, not value]
    return found


def pairs_of(answers, values):
    """The ((option, value), (option, value)) pairs an answer set covers."""
    chosen = [(name, answers[name]) for name in values]
    return set(itertools.combinations(chosen, 2))


def every_pair(values):
    return {
        ((a, x), (b, y))
        for a, b in itertools.combinations(values, 2)
        for x in values[a]
        for y in values[b]
    }


def covering_array(values, given=()):
    """Answer sets ({option: value}) that, with the answer sets given,
    cover every pair of values of `values` ({option: [values]})."""
    rows = [
        dict(zip(values, c, strict=True)) for c in itertools.product(*values.values())
    ]
    uncovered = every_pair(values)
    for answers in given:
        uncovered -= pairs_of(answers, values)
    chosen = []
    while uncovered:
        best = max(rows, key=lambda row: len(pairs_of(row, values) & uncovered))
        uncovered -= pairs_of(best, values)
        chosen.append(best)
    return chosen


def answer_sets(base, given, template_dir=TEMPLATE_DIR):
    """base's answers with each row of the covering array that completes
    the answer sets given, each with a name and slug of its own."""
    rows = covering_array(options(template_dir), given)
    return [
        {
            **base,
            **row,
            "project_name": f"Pairs {number}",
            "project_slug": f"pairs_{number}",
        }
        for number, row in enumerate(rows, 1)
    ]
