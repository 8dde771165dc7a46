"""Browser clients on other origins: none may call the API until its origin is
listed in DJANGO_CORS_ALLOWED_ORIGINS."""

import pytest

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"


def preflight(client, origin, path="/api/auth/token/"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


def test_no_origin_is_allowed_by_default(client):
    response = preflight(client, APP)
    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_may_call_the_api(client, settings, user, password):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    response = preflight(client, APP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response

    login = client.post(
        "/api/auth/token/",
        {"username": user.username, "password": password},
        HTTP_ORIGIN=APP,
    )
    assert login.status_code == 200
    assert login["Access-Control-Allow-Origin"] == APP


def test_other_origins_stay_refused(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    assert "Access-Control-Allow-Origin" not in preflight(
        client, "https://evil.example"
    )


def test_only_the_api_answers_other_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    response = preflight(client, APP, path="/admin/login/")
    assert "Access-Control-Allow-Origin" not in response
