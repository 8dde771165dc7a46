from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The project's user, custom from day one so fields can be added later."""

    email = models.EmailField("email address", unique=True)

    REQUIRED_FIELDS = ["email"]
