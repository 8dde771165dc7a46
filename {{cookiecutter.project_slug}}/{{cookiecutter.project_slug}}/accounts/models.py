from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.db.models.functions import Lower

from .addresses import normalize_email, validate_deliverable

USERNAME_TAKEN = "A user with that username already exists."
EMAIL_TAKEN = "A user with that email address already exists."


class UserManager(DjangoUserManager):
    """Usernames keep the case they were typed in but are compared without
    it; email addresses are stored in one form (see the README)."""

    @classmethod
    def normalize_email(cls, email):
        # One spelling per mailbox (addresses.py): nobody relies on a
        # case-sensitive one.
        return normalize_email(email or "")

    def with_username(self, username):
        folded = self.model.normalize_username(username).lower()
        return self.alias(username_lower=Lower("username")).filter(
            username_lower=folded
        )

    def get_by_natural_key(self, username):
        # Sign-in, in the API and the admin: "Alice" is "alice".
        return self.with_username(username).get()


class User(AbstractUser):
    """The project's user, custom from day one so fields can be added later."""

    # ASCII only: a username is a handle people type and read, and Unicode
    # would admit lookalikes (Cyrillic U+0430 for Latin "a").
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. ASCII letters, digits and @/./+/-/_ only.",
        validators=[ASCIIUsernameValidator()],
        error_messages={"unique": USERNAME_TAKEN},
    )
    email = models.EmailField(
        "email address",
        unique=True,
        validators=[validate_deliverable],
        error_messages={"unique": EMAIL_TAKEN},
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ignoring_case",
                violation_error_message=USERNAME_TAKEN,
            )
        ]

    def save(self, *args, **kwargs):
        # Every way in (API, admin, shell) stores the same forms.
        self.username = self.normalize_username(self.username)
        self.email = type(self).objects.normalize_email(self.email)
        super().save(*args, **kwargs)


class RequestCount(models.Model):
    """Requests from one client to one throttle scope in one time window
    (see throttling.py). Rows of past windows are deleted as new ones start."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="Start, in seconds since the epoch.")
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window"], name="accounts_requestcount_per_window"
            )
        ]

    def __str__(self):
        return f"{self.key} @ {self.window}: {self.hits}"


class SignInFailures(models.Model):
    """Wrong passwords in a row for one username, whether or not an account
    has it (see signin.py). The row goes when a sign-in succeeds."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    # No attempt for this username is checked before this time.
    next_attempt_at = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} in a row"
