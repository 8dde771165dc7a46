"""Run by a project's Python with its production settings: microseconds
per authenticate() of the token in $BENCH_TOKEN, with the user looked up
and stateless, and of the signature and claims check alone; as JSON."""

import json
import os

import django
from timing import best_per_call

django.setup()

from rest_framework.request import Request  # noqa: E402 (after setup)
from rest_framework.test import APIRequestFactory  # noqa: E402
from rest_framework_simplejwt.authentication import (  # noqa: E402
    JWTAuthentication,
    JWTStatelessUserAuthentication,
)
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402


def microseconds(call, count=2000):
    return best_per_call(call, count) * 1e6


def main():
    token = os.environ["BENCH_TOKEN"]
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    lookup, stateless = JWTAuthentication(), JWTStatelessUserAuthentication()
    print(
        json.dumps(
            {
                "lookup": microseconds(lambda: lookup.authenticate(Request(request))),
                "stateless": microseconds(
                    lambda: stateless.authenticate(Request(request))
                ),
                "signature": microseconds(lambda: AccessToken(token)),
            }
        )
    )


if __name__ == "__main__":
    main()
