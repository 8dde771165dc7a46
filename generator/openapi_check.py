"""Property-based checks of a generated project against its own OpenAPI
schema, run by `prodstack verify` with pytest inside the project's venv.

Schemathesis calls the project's WSGI application in-process (production
settings, verify's database, a real access token), so no request leaves the
process: the site answers only for its domain, which must not be resolved.
"""

import os

import schemathesis
from config.wsgi import application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

# What Nginx adds in front of every request: the Host it serves, and HTTPS.
HEADERS = {"Host": os.environ["VERIFY_DOMAIN"], "X-Forwarded-Proto": "https"}
AUTHORIZATION = {"Authorization": f"Bearer {os.environ['VERIFY_TOKEN']}"}

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=HEADERS)


@schema.parametrize()
@settings(
    max_examples=int(os.environ["VERIFY_EXAMPLES"]),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_operation(case):
    # No 5xx, and every documented answer matches its schema. Statuses the
    # schema leaves out (401 from the auth views, 429) are not failures here.
    case.call_and_validate(
        headers={**HEADERS, **AUTHORIZATION},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ],
    )
