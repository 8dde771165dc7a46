"""Answers for a new project, from a variant, a YAML file or cookiecutter's
own prompts: checked against the template's cookiecutter.json before anything
is written, and saved for a retry when the template refuses them."""

import difflib
import json
from pathlib import Path

import yaml


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


def ask(template_dir, answers):
    """cookiecutter's own prompts, offering these answers as the defaults;
    returns every answer, the derived ones (project_slug, ...) included."""
    from cookiecutter.config import get_user_config
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=Path(template_dir) / "cookiecutter.json",
        default_context=get_user_config()["default_context"],
        extra_context=answers,
    )
    given = prompt_for_config(context, no_input=False)
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


def save_answers(answers, path):
    header = (
        "# Answers for prodstack new. Fix the ones it named, then run the command\n"
        "# it printed. Delete project_slug or deploy_root to have them derived again\n"
        "# from project_name.\n"
    )
    text = yaml.safe_dump(answers, sort_keys=False, allow_unicode=True)
    Path(path).write_text(header + text)
