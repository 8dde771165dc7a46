"""Email addresses in the shape a mail server delivers, stored in one form.

Django's EmailValidator accepts quoted local parts (`"victim"@example.com`),
address literals (`victim@[127.0.0.1]`) and domains that IDNA 2003 quietly
maps (a zero-width space vanishes): each can share a mailbox with another
address while comparing unequal to it. Here the local part is a plain ASCII
dot-atom, and the domain must pass IDNA 2008 with each label in one script.
"""

import re
import unicodedata
from contextlib import suppress

import idna
from django.core.exceptions import ValidationError

# RFC 5321's limits; checked before any normalisation, which can expand text.
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64

INVALID = "Enter an email address of the form name@example.com."
DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def normalize_email(address):
    """Compatibility forms folded (fullwidth letters become ASCII), the whole
    address lowercased, and the domain in its IDNA 2008 Unicode form, so one
    mailbox has one spelling. An address too long to be valid is returned
    untouched, for the length check to refuse cheaply."""
    if not isinstance(address, str) or len(address) > MAX_LENGTH:
        return address
    folded = unicodedata.normalize("NFKC", address).strip().lower()
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    with suppress(idna.IDNAError):  # validate_deliverable says why
        domain = idna.decode(idna.encode(domain))
    return f"{local}@{domain}"


def validate_deliverable(address):
    """Refuse what a mail server would not deliver as written."""
    if len(address) > MAX_LENGTH:
        raise ValidationError(
            f"Enter an email address of at most {MAX_LENGTH} characters."
        )
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(INVALID)
    if len(local) > MAX_LOCAL_LENGTH or not DOT_ATOM.fullmatch(local.lower()):
        raise ValidationError(
            "Use a plain address: letters, digits and . _ + - before the @, "
            "no quotes or spaces."
        )
    if domain.startswith("["):
        raise ValidationError("Use a domain name after the @, not an IP address.")
    try:
        labels = idna.decode(idna.encode(domain.lower())).split(".")
    except idna.IDNAError:
        raise ValidationError(
            "The domain holds characters that domain names may not use."
        ) from None
    if len(labels) < 2:
        raise ValidationError(
            "Use a full domain name after the @, such as example.com."
        )
    if not all(one_script(label) for label in labels):
        raise ValidationError(
            "The domain mixes letters of different alphabets (a Cyrillic letter "
            "among Latin ones, say): type it in one alphabet."
        )


# Scripts that are written together (Unicode TS #39, "highly restrictive").
WRITTEN_TOGETHER = (
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA"},
    {"LATIN", "CJK", "BOPOMOFO"},
    {"LATIN", "CJK", "HANGUL"},
)


def one_script(label):
    """Whether a label's letters come from one script, by the first word of
    their Unicode names; digits and hyphens belong to none."""
    found = {
        unicodedata.name(char, "UNKNOWN").split()[0]
        for char in label
        if unicodedata.category(char).startswith("L")
    }
    return len(found) <= 1 or any(found <= together for together in WRITTEN_TOGETHER)
