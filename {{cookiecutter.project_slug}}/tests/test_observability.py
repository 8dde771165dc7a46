"""Request ids on log lines, the JSON format, metrics and error reports."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils.module_loading import import_string
from gunicorn.glogging import SafeAtoms

from config.logs import GunicornAccess, RequestContext, json_logging
from config.sentry import without_credentials

PROJECT = Path(__file__).resolve().parents[1]


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def lines():
    """What Django's request logger logs (4xx and 5xx answers, after its
    middleware has returned), with the fields the production handler adds."""
    recorder = Recorder()
    recorder.addFilter(RequestContext())
    logger = logging.getLogger("django.request")
    logger.addHandler(recorder)
    yield recorder.records
    logger.removeHandler(recorder)


@pytest.mark.django_db
def test_a_line_logged_for_a_request_carries_its_id_and_path(client, lines):
    client.get("/api/no-such-thing/")
    (line,) = lines
    assert len(line.request_id) == 32
    assert line.path == "/api/no-such-thing/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [("a1b2c3d4-from-the-proxy", True), ("short", False), ("a space in it", False)],
)
def test_a_well_formed_id_from_nginx_is_kept(client, lines, sent, kept):
    client.get("/api/no-such-thing/", HTTP_X_REQUEST_ID=sent)
    assert (lines[-1].request_id == sent) is kept


def test_the_user_id_once_the_api_authenticated(auth_client, user, lines):
    # POST is not allowed on me/, and DRF authenticates before it says so.
    assert auth_client.post("/api/auth/me/").status_code == 405
    assert lines[-1].user_id == user.pk


@pytest.mark.django_db
def test_no_user_id_for_anonymous_requests(client, lines):
    assert client.get("/api/auth/me/").status_code == 401
    assert not hasattr(lines[-1], "user_id")


def test_no_request_fields_between_requests():
    record = logging.makeLogRecord({"msg": "worker booted"})
    RequestContext().filter(record)
    assert not hasattr(record, "request_id")


def test_json_lines_carry_the_fields_people_search_by():
    options = dict(json_logging()["formatters"]["json"])
    formatter = import_string(options.pop("()"))(**options)
    record = logging.makeLogRecord(
        {"name": "app", "levelname": "INFO", "msg": "hello", "request_id": "abc"}
    )
    line = json.loads(formatter.format(record))
    assert {"time", "level", "logger", "pid", "message", "request_id"} <= line.keys()
    assert (line["level"], line["logger"]) == ("INFO", "app")


def test_gunicorn_access_lines_are_split_into_fields():
    atoms = SafeAtoms(
        {
            "m": "GET",
            "U": "/api/health/",
            "s": "200",
            "L": "0.004200",
            "B": 15,
            "a": "curl",
            "{x-request-id}i": "0123456789abcdef",
            "{x-forwarded-for}i": "192.0.2.1",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "-", (), None)
    record.args = atoms
    GunicornAccess().filter(record)
    assert (record.request_id, record.status, record.duration) == (
        "0123456789abcdef",
        200,
        0.0042,
    )
    assert (record.path, record.client) == ("/api/health/", "192.0.2.1")


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_status(client):
    client.get("/api/health/")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",'
        'status="200",view="health"}'
    ) in metrics.content.decode()


def sentry_client_state(dsn):
    """Whether init_sentry left an active client, and that client's
    send_default_pii; in a process of its own, as Sentry patches Django."""
    code = (
        "import sentry_sdk\n"
        "from config.sentry import init_sentry\n"
        "init_sentry()\n"
        "client = sentry_sdk.get_client()\n"
        "print(client.is_active(), client.options.get('send_default_pii'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={"SENTRY_DSN": dsn},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_sentry_is_off_without_a_dsn():
    assert sentry_client_state("")[0] == "False"


def test_sentry_is_on_with_a_dsn_and_sends_no_personal_data():
    assert sentry_client_state("http://key@127.0.0.1:9/1") == ["True", "False"]


def test_reports_carry_no_credentials():
    event = {
        "request": {
            "headers": {
                "Authorization": "Bearer secret",
                "Cookie": "sessionid=secret",
                "Accept": "application/json",
            }
        }
    }
    assert without_credentials(event, {})["request"]["headers"] == {
        "Accept": "application/json"
    }
