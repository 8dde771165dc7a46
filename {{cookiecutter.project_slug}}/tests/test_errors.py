"""Every error the app answers has one JSON shape: {"detail", "code"}, plus
"fields" when the request had invalid fields. The README documents it."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) <= {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code
    return body


def test_invalid_fields_are_named_under_fields(client):
    body = assert_error(client.post("/api/auth/token/", {}), 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}
    assert body["fields"]["password"] == ["This field is required."]


def test_missing_credentials(client):
    assert_error(client.get("/api/auth/me/"), 401, "not_authenticated")


def test_a_bad_token_says_why_in_the_same_shape(client):
    response = client.get("/api/auth/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert_error(response, 401, "token_not_valid")


def test_wrong_method_on_an_api_view(client):
    response = client.get("/api/auth/token/")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_posting_to_health_is_405_not_a_csrf_page():
    browser_like = Client(enforce_csrf_checks=True)
    response = browser_like.post("/api/health/")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


def test_a_csrf_failure_is_json():
    browser_like = Client(enforce_csrf_checks=True)
    response = browser_like.post("/admin/login/", {"username": "a", "password": "b"})
    assert_error(response, 403, "csrf_failed")


def test_unknown_paths(client):
    assert_error(client.get("/no/such/page/"), 404, "not_found")


def test_an_unknown_host_is_a_json_400(client):
    response = client.get("/api/health/", HTTP_HOST="attacker.example")
    assert_error(response, 400, "bad_request")


def test_an_unexpected_exception_is_a_json_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("config.health.connection.cursor", broken)
    client.raise_request_exception = False
    assert_error(client.get("/api/health/"), 500, "server_error")


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_a_400(client, opening, closing):
    depth = 100_000
    body = opening * depth + "1" + closing * depth
    response = client.post(
        "/api/auth/token/verify/", body, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_deeply_nested_json_is_a_400_when_signed_in_too(auth_client):
    body = "[" * 100_000 + "]" * 100_000
    response = auth_client.post(
        "/api/auth/email/change/", body, content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_every_answer_has_a_content_security_policy(client, admin_user):
    api = client.get("/api/health/")
    missing = client.get("/api/nothing-here/")
    assert api["Content-Security-Policy"] == missing["Content-Security-Policy"]
    assert "default-src 'none'" in api["Content-Security-Policy"]
    client.force_login(admin_user)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "script-src" not in page["Content-Security-Policy"]
    assert "default-src 'self'" in page["Content-Security-Policy"]
