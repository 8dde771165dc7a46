"""Jinja filters for cookiecutter.json (loaded through its _extensions).

The default slug follows the rules the pre-gen hook checks, read from the hook
itself, so a default is never an answer the hook refuses.
"""

import importlib.util
from pathlib import Path

from cookiecutter.utils import simple_filter

HOOK = Path(__file__).with_name("hooks") / "pre_gen_project.py"


def _load_hook():
    spec = importlib.util.spec_from_file_location("pre_gen_project", HOOK)
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


pre_gen = _load_hook()


def shortened(slug, length):
    """slug cut to length at most, at a word where it can be."""
    if len(slug) <= length:
        return slug
    head = slug[: length + 1]
    return (head.rsplit("_", 1)[0] if "_" in head else slug[:length]).rstrip("_")


@simple_filter
def usable_slug(slug):
    """A slugified project name made into a slug the hook accepts: it starts
    with a letter, fits a user name, and shadows no module."""
    if not slug[:1].isalpha():
        slug = f"api_{slug}".rstrip("_")
    slug = shortened(slug, pre_gen.MAX_SLUG_LENGTH)
    if pre_gen.slug_problem(slug):
        slug = shortened(slug, pre_gen.MAX_SLUG_LENGTH - len("_api")) + "_api"
    return slug
