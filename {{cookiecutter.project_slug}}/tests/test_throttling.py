"""Throttles count every request exactly, even requests that arrive together,
and the admin's sign-in is limited like the API's."""

import re
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.accounts.throttling import ScopedRateThrottle

WRONG = {"username": "nobody", "password": "wrong"}


@pytest.mark.django_db(transaction=True)
def test_requests_that_arrive_together_pass_exactly_the_limit(
    settings, throttle_limit, monkeypatch
):
    # Production's cache, shared by all workers: DRF's own throttles read a
    # client's history from it and write it back, so a burst slips through.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
    # The whole burst in the middle of one window: on a slow machine it can
    # last long enough to cross into the next, where the limit slides.
    middle = time.time() // 60 * 60 + 30
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: middle)
    limit = throttle_limit("login")
    attempts = 3 * limit
    start = threading.Barrier(attempts)
    statuses = []

    def sign_in(number):
        client = APIClient()
        # A username each: the per-username delay (signin.py) stays out of it.
        guess = {**WRONG, "username": f"nobody{number}"}
        start.wait()
        try:
            statuses.append(client.post("/api/auth/token/", guess).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign_in, args=(number,)) for number in range(attempts)
    ]
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
    # Into the next minute, which starts weighed down by this one's count.
    assert 1 <= int(response["Retry-After"]) <= 2 * 60


def reset(client, user):
    return client.post("/api/auth/password/reset/", {"email": user.email})


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


@pytest.mark.django_db
@pytest.mark.parametrize("early", [0, 1], ids=["on time", "a second early"])
@pytest.mark.parametrize("past_the_hour", [False, True], ids=["same hour", "next hour"])
def test_retry_after_says_when_a_request_will_pass(
    user, throttle_limit, monkeypatch, early, past_the_hour
):
    # This hour, by the real clock, which the rows' expiry is judged by.
    hour = int(time.time() // 3600) * 3600
    clock = [hour + 600.0]
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: clock[0])
    client = APIClient()
    for _ in range(throttle_limit("reset_mail")):
        assert reset(client, user).status_code == 202
    if past_the_hour:  # refused requests count: keep asking past the hour
        clock[0] = hour + 3600 + 1.0
        while (refused := reset(client, user)).status_code == 202:
            pass
    else:
        refused = reset(client, user)
    assert refused.status_code == 429
    clock[0] += int(refused["Retry-After"]) - early
    expected = 429 if early else 202
    assert reset(client, user).status_code == expected
