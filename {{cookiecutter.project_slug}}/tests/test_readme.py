"""The README's walkthrough ("Try it"), request by request, against a live
server: each answer must match the one the README shows, so the README
cannot drift from the API."""

import http.client
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from string import Template
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

README = Path(__file__).resolve().parents[1] / "README.md"
DEV_SERVER = "http://127.0.0.1:8000"
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@dataclass
class Step:
    command: str
    status: int | None = None
    answer: object = None
    shown: str = ""  # the answer as the README prints it
    keeps: tuple = ()  # ACCESS, REFRESH: the tokens a reader takes here


def walkthrough():
    """The steps of the README's "Try it" section: each shell block with a
    curl or manage.py command, its expected status (a `# 201 Created` line)
    and the JSON block that follows it, if any; and each block that has the
    reader take tokens from the last answer (`REFRESH=eyJ...`)."""
    section = README.read_text().split("### Try it\n")[1].split("\n### ")[0]
    steps = []
    for language, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S):
        if language == "json":
            steps[-1].answer = json.loads(body)
            steps[-1].shown = body.strip()
            continue
        if keeps := re.findall(r"^(ACCESS|REFRESH)=", body, re.M):
            steps.append(Step("", keeps=tuple(keeps)))
            continue
        status = re.match(r"# (\d{3}) ", body)
        command = re.sub(r"^#.*\n", "", body).replace("\\\n", " ").strip()
        if command.startswith("curl") or "manage.py" in command:
            steps.append(Step(command, status and int(status.group(1))))
    return steps


def curl(command, server):
    """Send what a curl command line would send; return status and body."""
    arguments = shlex.split(command)[1:]
    headers, data, method, url = {}, None, None, None
    while arguments:
        argument = arguments.pop(0)
        if argument == "-H":
            name, _, value = arguments.pop(0).partition(": ")
            headers[name] = value
        elif argument == "-d":
            data = arguments.pop(0).encode()
        elif argument == "-X":
            method = arguments.pop(0)
        elif argument.startswith("http"):
            url = argument.replace(DEV_SERVER, server)
    method = method or ("GET" if data is None else "POST")
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request(method, parts.path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def manage(command):
    """Run a `VAR=value .venv/bin/python manage.py ...` line in-process."""
    words = shlex.split(command)
    env = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    arguments = words[words.index("manage.py") + 1 :]
    with mock.patch.dict(os.environ, env):
        call_command(*arguments)


def values_mailed_since(sent_before):
    """uid and token from the messages sent since, as MAIL_UID and MAIL_TOKEN."""
    found = {}
    for message in mail.outbox[sent_before:]:
        for name in ("uid", "token"):
            if value := re.search(rf"{name}: (\S+)", message.body):
                found[f"MAIL_{name.upper()}"] = value[1]
    return found


def matches(shown, actual):
    """`...` in a shown string stands for the rest of it; a shown date and
    time stands for any; everything else must be equal."""
    if isinstance(shown, dict):
        return (
            isinstance(actual, dict)
            and shown.keys() == actual.keys()
            and all(matches(shown[key], actual[key]) for key in shown)
        )
    if isinstance(shown, list):
        return len(shown) == len(actual) and all(map(matches, shown, actual))
    if isinstance(shown, str) and "..." in shown:
        return isinstance(actual, str) and actual.startswith(shown.split("...")[0])
    if isinstance(shown, str) and DATETIME.fullmatch(shown):
        return isinstance(actual, str) and bool(DATETIME.fullmatch(actual))
    return shown == actual


def compact(answer):
    """JSON as the API sends it (DRF's renderer)."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


def test_the_walkthrough_shows_answers_as_the_api_sends_them():
    shown = [step.shown for step in walkthrough() if step.shown]
    assert shown
    for text in shown:
        assert text == compact(json.loads(text))


def test_the_walkthrough_has_the_requests_people_need():
    commands = " ".join(step.command for step in walkthrough())
    for path in ("/api/auth/token/", "/api/auth/me/", "/api/auth/token/refresh/"):
        assert path in commands
{% if cookiecutter.example_api %}
    assert "/api/notes/" in commands
{% endif %}


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_walkthrough_answers_as_the_readme_says(live_server):
    # Tokens are taken from the last answer where the README has the reader
    # take them (`REFRESH=eyJ...`), and only there.
    tokens, last_answer = {}, None
    for step in walkthrough():
        if step.keeps:
            tokens.update({name: last_answer[name.lower()] for name in step.keeps})
        elif step.command.startswith("curl"):
            command = Template(step.command).substitute(tokens)
            sent_before = len(mail.outbox)
            status, body = curl(command, live_server.url)
            answer = json.loads(body) if body else None
            assert status == step.status, f"{command}\n{status} {body[:300]}"
            assert matches(step.answer, answer), f"{command}\n{answer}"
            assert not body or body.decode() == compact(answer)
            last_answer = answer
            # Mailed links, which development prints, hold these.
            tokens.update(values_mailed_since(sent_before))
        else:
            manage(step.command)
