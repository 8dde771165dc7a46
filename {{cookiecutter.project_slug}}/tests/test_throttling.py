"""Throttles count every request exactly, even requests that arrive together,
and the admin's sign-in is limited like the API's."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

WRONG = {"username": "nobody", "password": "wrong"}


@pytest.mark.django_db(transaction=True)
def test_requests_that_arrive_together_pass_exactly_the_limit(settings, throttle_limit):
    # Production's cache, shared by all workers: DRF's own throttles read a
    # client's history from it and write it back, so a burst slips through.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
    limit = throttle_limit("login")
    attempts = 3 * limit
    start = threading.Barrier(attempts)
    statuses = []

    def sign_in():
        client = APIClient()
        start.wait()
        try:
            statuses.append(client.post("/api/auth/token/", WRONG).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * limit + [429] * (attempts - limit)


@pytest.mark.django_db
def test_refused_requests_count_too(client, throttle_limit):
    for _ in range(throttle_limit("login") + 5):
        client.post("/api/auth/token/", WRONG)
    response = client.post("/api/auth/token/", WRONG)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def admin_login(client, username, password):
    page = client.get("/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    return client.post(
        "/admin/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1).decode(),
            "next": "/admin/",
        },
    )


@pytest.mark.django_db
def test_admin_sign_in_is_limited_per_client(admin_user, throttle_limit):
    browser = Client(enforce_csrf_checks=True)
    for _ in range(throttle_limit("admin_login")):
        assert admin_login(browser, "admin", "wrong").status_code == 200
    # The right password no longer helps: the limit comes before the check.
    refused = admin_login(browser, "admin", "password")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1


@pytest.mark.django_db
def test_admin_sign_in_works_within_the_limit(admin_user):
    browser = Client(enforce_csrf_checks=True)
    response = admin_login(browser, "ADMIN", "password")
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200
