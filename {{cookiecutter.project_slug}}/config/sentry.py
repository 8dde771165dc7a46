"""Error reports to Sentry, on when SENTRY_DSN is set and off when it is empty.

The service's unit lets it reach only this host: add the address the DSN
names to IPAddressAllow (see README.md, "Error reports").
"""

import os

from config.logs import current_request

# Headers that carry credentials: not sent at all, not even as "[Filtered]".
CREDENTIAL_HEADERS = {"authorization", "cookie", "x-csrftoken"}


def without_credentials(event, hint):
    """Drop credential headers and tag the report with the request id, so it
    leads to the request's log lines."""
    request = event.get("request")
    if request and request.get("headers"):
        request["headers"] = {
            name: value
            for name, value in request["headers"].items()
            if name.lower() not in CREDENTIAL_HEADERS
        }
    current = current_request.get()
    if current is not None:
        event.setdefault("tags", {})["request_id"] = current.request_id
    return event


def init_sentry():
    dsn = os.environ.get("SENTRY_DSN", "")
    if not dsn:
        return
    # Imported only when used: it costs start-up time and memory otherwise.
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or "production",
        # No user ids, addresses, cookies or request bodies leave the host.
        send_default_pii=False,
        before_send=without_credentials,
    )
