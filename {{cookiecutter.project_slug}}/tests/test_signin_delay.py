"""Wrong passwords in a row for one username slow the next attempts for it,
from any client address, without locking the owner out (accounts/signin.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.accounts import signin

pytestmark = pytest.mark.django_db


def attempt(username, password, address):
    # Each attempt from an address of its own: the per-client limit stays out of it.
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}
    )


def guess_free_attempts(username):
    for number in range(signin.FREE_ATTEMPTS):
        response = attempt(username, "wrong", f"10.0.0.{number + 1}")
        assert response.status_code == 401, response.content


def move_clock(monkeypatch, by):
    later = timezone.now() + by
    monkeypatch.setattr(signin.timezone, "now", lambda: later)


def test_after_the_free_attempts_each_guess_must_wait(user, password):
    guess_free_attempts(user.username)
    too_soon = attempt(user.username, password, "10.0.1.1")
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "throttled"
    assert 1 <= int(too_soon["Retry-After"]) <= 2


def test_the_owner_gets_in_once_the_delay_has_passed(user, password, monkeypatch):
    guess_free_attempts(user.username)
    move_clock(monkeypatch, timedelta(seconds=2))
    assert attempt(user.username, password, "10.0.1.1").status_code == 200
    # Success forgets the failures: the next wrong password is free again.
    assert attempt(user.username, "wrong", "10.0.1.2").status_code == 401
    assert attempt(user.username, password, "10.0.1.3").status_code == 200


def test_the_delay_doubles_and_stops_at_the_cap(user, monkeypatch):
    guess_free_attempts(user.username)
    waits = []
    for number in range(12):
        move_clock(monkeypatch, timedelta(hours=1))  # always past the delay
        assert attempt(user.username, "wrong", f"10.0.2.{number}").status_code == 401
        failures = signin.SignInFailures.objects.get()
        waits.append(failures.next_attempt_at - signin.timezone.now())
    seconds = [round(wait.total_seconds()) for wait in waits]
    assert seconds[:4] == [2, 4, 8, 16]
    assert max(seconds) == signin.MAX_DELAY.total_seconds() == seconds[-1]


def test_unknown_usernames_are_slowed_alike(user):
    guess_free_attempts("nobody")
    assert attempt("nobody", "wrong", "10.0.1.1").status_code == 429


def test_usernames_are_counted_in_the_form_they_sign_in_with(user, password):
    for number in range(signin.FREE_ATTEMPTS):
        spelling = "ALICE" if number % 2 else "alice"
        assert attempt(spelling, "wrong", f"10.0.3.{number}").status_code == 401
    assert attempt("Alice", password, "10.0.4.1").status_code == 429


def test_a_password_reset_forgets_the_failures(client, user):
    guess_free_attempts(user.username)
    signin.forget_failures("ALICE")
    assert not signin.SignInFailures.objects.exists()
