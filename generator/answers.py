"""Answers for a new project, from a variant, a YAML file or cookiecutter's
own prompts: checked against the template's cookiecutter.json before anything
is written, and saved for a retry when the template refuses them."""

import difflib
import importlib.util
import json
import shlex
from pathlib import Path

import yaml

from generator import TEMPLATE_DIR


class AnswersError(Exception):
    """One line saying what is wrong and how to fix it."""


def template_context(template_dir):
    return json.loads((Path(template_dir) / "cookiecutter.json").read_text())


def derived_keys(context):
    """Prompts whose default the template computes from other answers."""
    return [
        key
        for key, value in context.items()
        if isinstance(value, str) and "{{" in value
    ]


def read_answers_file(path):
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as error:
        raise AnswersError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise AnswersError(f"{path} is not valid YAML{where}: fix its syntax") from None
    if data is None:
        raise AnswersError(
            f"{path} holds no answers: write one per line as key: value, keys as "
            "in cookiecutter.json (e.g. project_name: Shop API)"
        )
    if not isinstance(data, dict):
        raise AnswersError(f"{path} must hold a mapping of answers (key: value)")
    return data


def check_answers(answers, context, source):
    """Raise AnswersError for the first key or value the template cannot take,
    naming source, where the answers come from."""
    try:
        _check_answers(answers, context)
    except AnswersError as error:
        raise AnswersError(f"{source}: {error}") from None


def _check_answers(answers, context):
    prompts = [key for key in context if not key.startswith("_")]
    for key, value in answers.items():
        if key not in prompts:
            close = difflib.get_close_matches(str(key), prompts, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else "known keys: " + ", ".join(prompts)
            )
            raise AnswersError(f"unknown key {key!r}: {hint}")
        default = context[key]
        if isinstance(default, list) and value not in default:
            choices = ", ".join(map(str, default))
            raise AnswersError(f"{key}: {value!r} is not one of {choices}")
        if isinstance(default, bool) and not isinstance(value, bool):
            raise AnswersError(
                f"{key}: {value!r} is not a yes/no answer: use true or false"
            )


def ask(template_dir, answers, no_input=False):
    """cookiecutter's own prompts, offering these answers as the defaults (or,
    with no_input, the defaults taken without asking, as cookiecutter would);
    returns every answer, the derived ones (project_slug, ...) included."""
    from cookiecutter.config import get_user_config
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=Path(template_dir) / "cookiecutter.json",
        default_context=get_user_config()["default_context"],
        extra_context=answers,
    )
    given = prompt_for_config(context, no_input=no_input)
    return {
        key: _as_in_template(value, context["cookiecutter"][key])
        for key, value in given.items()
        if not key.startswith("_")
    }


def _as_in_template(value, default):
    """Prompts answer numbers as text; keep them numbers, as the template has."""
    if type(default) is int and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def template_hook(template_dir, name):
    """One of the template's hooks as a module, unrendered, for the functions
    it shares with prodstack: the pre-gen checks (find_problems, listing,
    fields_in_words), run before anything is baked, and the post-gen
    next_steps."""
    path = Path(template_dir) / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


SAVED_ANSWERS = Path("prodstack-answers.yaml")
SAVED_HEADER = "# Answers for prodstack new, saved when the template refused some.\n"


def save_answers(answers, path, fields, retry):
    header = (
        f"{SAVED_HEADER}"
        f"# Change {fields}, then run: {retry}\n"
        "# Delete project_slug or deploy_root to have them derived again from\n"
        "# project_name. prodstack new removes this file once the project is made.\n"
    )
    text = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True)
    Path(path).write_text(header + text)


def is_saved_answers(path):
    """Whether path is a file save_answers wrote (and so may be removed)."""
    try:
        return Path(path).read_text().startswith(SAVED_HEADER)
    except OSError:
        return False


def retry_command(output_dir, template):
    """The command that makes the project from the saved answers."""
    command = ["prodstack", "new", "--answers", str(SAVED_ANSWERS), "--no-input"]
    if output_dir != Path("."):
        command += ["-o", str(output_dir)]
    if template != str(TEMPLATE_DIR):
        command += ["--template", template]
    return shlex.join(command)


def forget_saved_answers(answers_file):
    """Remove the saved answers once a retry from them made the project (which
    records them in .cruft.json); True when it did. A person's own file of
    the same name stays."""
    saved = Path(answers_file).resolve() == SAVED_ANSWERS.resolve()
    if saved and is_saved_answers(answers_file):
        Path(answers_file).unlink()
        return True
    return False
