"""Sign-in, slowed per username after wrong passwords.

The per-client limit ("login" in the settings) stops one address; a guesser
with many addresses is stopped here. After FREE_ATTEMPTS wrong passwords in a
row for a username, each next attempt must wait twice as long as the one
before, up to MAX_DELAY: a lockout would let anyone lock anyone out, a
capped delay leaves the owner at most MAX_DELAY from signing in. Unknown
usernames are slowed the same way, so the delay tells nobody which exist.
"""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from .models import SignInFailures, User
from .passwords import password_field

FREE_ATTEMPTS = 5
MAX_DELAY = timedelta(minutes=5)
FORGET_AFTER = timedelta(days=1)


def delay_after(failures):
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_ATTEMPTS)), MAX_DELAY)


def failures_key(username):
    folded = User.normalize_username(username).lower()
    return hashlib.sha256(folded.encode()).hexdigest()


def locked_failures(key, now):
    failures, _ = SignInFailures.objects.select_for_update().get_or_create(
        key=key, defaults={"next_attempt_at": now, "expires": now + FORGET_AFTER}
    )
    return failures


def claim_attempt(key):
    """Refuse (429, with the true wait) an attempt that comes too soon; else
    move the next allowed time on as if this attempt fails, so that attempts
    sent together cannot all slip through one gap."""
    now = timezone.now()
    with transaction.atomic():
        failures = locked_failures(key, now)
        if failures.next_attempt_at > now:
            wait = (failures.next_attempt_at - now).total_seconds()
            raise exceptions.Throttled(wait=max(1, round(wait + 0.5)))
        failures.next_attempt_at = now + delay_after(failures.count + 1)
        failures.save(update_fields=["next_attempt_at"])


def record_failure(key):
    now = timezone.now()
    with transaction.atomic():
        failures = locked_failures(key, now)
        failures.count += 1
        failures.next_attempt_at = now + delay_after(failures.count)
        failures.expires = now + FORGET_AFTER
        failures.save()
    SignInFailures.objects.filter(expires__lt=now).delete()


def forget_failures(username):
    SignInFailures.objects.filter(key=failures_key(username)).delete()


class SignInSerializer(TokenObtainPairSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lengths first: a long body of characters that normalisation expands
        # would otherwise cost CPU before it is refused.
        username = User._meta.get_field("username")
        self.fields[self.username_field] = serializers.CharField(
            write_only=True, max_length=username.max_length
        )
        self.fields["password"] = password_field()

    def validate(self, attrs):
        key = failures_key(attrs[self.username_field])
        claim_attempt(key)
        try:
            data = super().validate(attrs)
        except (exceptions.AuthenticationFailed, serializers.ValidationError):
            record_failure(key)
            raise
        SignInFailures.objects.filter(key=key).delete()
        return data
