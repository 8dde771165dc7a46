"""Tokens that may be spent once are spent once, also by requests that
arrive together: one winner, the others refused, never a 500."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from {{ cookiecutter.project_slug }}.accounts.tokens import RefreshToken

pytestmark = pytest.mark.django_db(transaction=True)
TOGETHER = 4


def all_at_once(path, body):
    """POST the same body TOGETHER times at once; the statuses, sorted."""
    start = threading.Barrier(TOGETHER)
    statuses = []

    def send():
        client = APIClient()
        start.wait()
        try:
            statuses.append(client.post(path, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(TOGETHER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_one_refresh_token_presented_together_has_one_winner(user):
    refresh = str(RefreshToken.for_user(user))
    statuses = all_at_once("/api/auth/token/refresh/", {"refresh": refresh})
    assert statuses == [200] + [401] * (TOGETHER - 1)


def test_one_reset_token_presented_together_sets_one_password(client, user):
    client.post("/api/auth/password/reset/", {"email": user.email})
    body = mail.outbox[-1].body
    uid, token = re.search(r"uid: (\S+)", body)[1], re.search(r"token: (\S+)", body)[1]
    statuses = all_at_once(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "a-brand-new-passphrase-42"},
    )
    assert statuses == [204] + [400] * (TOGETHER - 1)


def test_one_logout_presented_together_has_one_winner(user):
    refresh = str(RefreshToken.for_user(user))
    statuses = all_at_once("/api/auth/logout/", {"refresh": refresh})
    assert statuses == [204] + [401] * (TOGETHER - 1)
