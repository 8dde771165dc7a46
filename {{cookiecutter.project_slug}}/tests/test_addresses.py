"""Addresses in the shape a mail server delivers (accounts/addresses.py):
lookalikes of another mailbox are refused, and one mailbox has one spelling."""

import pytest
from django.core.exceptions import ValidationError

from {{ cookiecutter.project_slug }}.accounts.addresses import (
    normalize_email,
    validate_deliverable,
)

REFUSED = {
    "zero-width space": "victim@exa\u200bmple.com",
    "quoted local part": '"victim"@example.com',
    "address literal": "victim@[127.0.0.1]",
    "dotless i": "v\u0131ctim@example.com",
    "cyrillic a in the local part": "\u0430lice@example.com",
    "cyrillic a among latin letters": "victim@ex\u0430mple.com",
    "no domain dot": "victim@localhost",
    "space": "vic tim@example.com",
    "two dots": "vic..tim@example.com",
}
ACCEPTED = {
    "plain": "victim@example.com",
    "plus and dots": "first.last+tag@mail.example.co.uk",
    "one-script unicode domain": "info@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
    "latin unicode domain": "kontakt@b\u00fccher.de",
    "japanese domain": "info@\u65e5\u672c\u8a9e\u306e.jp",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_lookalikes_and_undeliverable_shapes_are_refused(address):
    with pytest.raises(ValidationError):
        validate_deliverable(normalize_email(address))


@pytest.mark.parametrize("address", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_ordinary_addresses_pass(address):
    validate_deliverable(normalize_email(address))


def test_one_mailbox_has_one_spelling():
    spellings = [
        "Kontakt@B\u00dcCHER.de",
        "kontakt@xn--bcher-kva.de",
        "\uff4bontakt@b\u00fccher.de",  # a fullwidth k
    ]
    assert {normalize_email(s) for s in spellings} == {"kontakt@b\u00fccher.de"}


def test_a_long_address_is_not_normalised():
    # U+FDFA becomes 18 characters: normalising first would cost CPU for nothing.
    long = "\ufdfa" * 300 + "@example.com"
    assert normalize_email(long) is long
    with pytest.raises(ValidationError, match="at most 254"):
        validate_deliverable(long)


@pytest.mark.django_db
@pytest.mark.parametrize("address", list(REFUSED.values())[:6], ids=list(REFUSED)[:6])
def test_the_api_refuses_them_too(auth_client, password, address):
    response = auth_client.post(
        "/api/auth/email/change/", {"email": address, "password": password}
    )
    assert response.status_code == 400, response.content
    assert "email" in response.json()["fields"]
