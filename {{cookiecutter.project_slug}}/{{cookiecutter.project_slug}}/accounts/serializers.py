from django.db import IntegrityError, transaction
from rest_framework import serializers

from .models import EMAIL_TAKEN, USERNAME_TAKEN, User


class IdentitySerializer(serializers.ModelSerializer):
    """Usernames and email addresses are checked in the form they are stored
    and compared in, and a name taken by a concurrent request between the
    check and the insert is a 400, not the database's IntegrityError."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.copy()
            for name, normalize in (
                ("username", User.normalize_username),
                ("email", User.objects.normalize_email),
            ):
                if name in self.fields and isinstance(data.get(name), str):
                    data[name] = normalize(data[name])
        return super().to_internal_value(data)

    def validate_username(self, username):
        if self.username_taken(username):
            raise serializers.ValidationError(USERNAME_TAKEN)
        return username

    def save(self, **kwargs):
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError:
            data, taken = self.validated_data, {}
            if "username" in data and self.username_taken(data["username"]):
                taken["username"] = [USERNAME_TAKEN]
            if "email" in data and self.others().filter(email=data["email"]).exists():
                taken["email"] = [EMAIL_TAKEN]
            raise serializers.ValidationError(taken or [USERNAME_TAKEN]) from None

    def others(self):
        return User.objects.exclude(pk=self.instance.pk if self.instance else None)

    def username_taken(self, username):
        return (
            self.others().filter(pk__in=User.objects.with_username(username)).exists()
        )


class UserSerializer(IdentitySerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "date_joined"]
        read_only_fields = ["id", "username", "date_joined"]
