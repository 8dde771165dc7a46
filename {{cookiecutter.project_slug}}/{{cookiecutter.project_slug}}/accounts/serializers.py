from rest_framework import serializers

from .models import USERNAME_TAKEN, User


class IdentitySerializer(serializers.ModelSerializer):
    """Usernames and email addresses are checked in the form they are stored
    and compared in. Lengths are checked first: normalisation can expand a
    character many times over (U+FDFA becomes 18), so a long field is left
    as it is for its max_length to refuse cheaply."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.copy()
            for name, normalize in (
                ("username", User.normalize_username),
                ("email", User.objects.normalize_email),
            ):
                value = data.get(name)
                if (
                    name in self.fields
                    and isinstance(value, str)
                    and len(value) <= self.fields[name].max_length
                ):
                    data[name] = normalize(value)
        return super().to_internal_value(data)

    def validate_username(self, username):
        if User.objects.with_username(username).exists():
            raise serializers.ValidationError(USERNAME_TAKEN)
        return username


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "date_joined"]
        read_only_fields = fields
