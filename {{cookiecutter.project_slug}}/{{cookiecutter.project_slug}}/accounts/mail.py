"""The one way account mail leaves: sign-up links, reset links, address
changes and the notices about them.

Each address gets at most MAIL_PER_ADDRESS_PER_HOUR of these an hour,
however many clients ask: a mailbox cannot be flooded from many addresses,
and the answer to the request is the same whether or not mail went.
"""

import hashlib
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import send_mail

from .throttling import count_request

logger = logging.getLogger(__name__)
HOUR = 3600


def within_budget(address):
    key = "mail_to:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    window = int(time.time() // HOUR) * HOUR
    return count_request(key, window, HOUR) <= settings.MAIL_PER_ADDRESS_PER_HOUR


def send_account_mail(address, subject, body):
    """Send one message, unless the address has had its hour's share; a
    failure to send is logged, never shown to the client."""
    if not within_budget(address):
        logger.warning("account mail not sent: the address had %s this hour", subject)
        return False
    try:
        send_mail(subject, body, None, [address])
    except (smtplib.SMTPException, OSError):
        logger.exception("account mail %r failed", subject)
        return False
    return True
