"""Every operation of the OpenAPI schema, fuzzed with schemathesis as a
signed-in user: no answer is a 5xx, and every documented answer matches the
schema. Slower than the suite and opt-in: `make fuzz` installs
fuzz/requirements.txt and runs it."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

EXAMPLES_PER_OPERATION = 25

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def authorization(django_user_model):
    user = django_user_model.objects.create_user(
        username="fuzz", email="fuzz@example.com", password="fuzz-password-4711"
    )
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


# Real transactions: the WSGI handler closes a connection it finds inside a
# test's open transaction, as Django's test client would not.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_operation(case, authorization):
    # Statuses the schema leaves out (401 from the auth views, 429) are not
    # failures here; a 5xx or an answer unlike its documentation is.
    case.call_and_validate(
        headers=authorization,
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ],
    )
