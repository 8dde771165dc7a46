from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework import generics, serializers
from rest_framework.response import Response

from .tokens import RefreshToken

# Longer than any passphrase; checked before anything costly.
MAX_PASSWORD_LENGTH = 4096


def password_field():
    return serializers.CharField(
        write_only=True,
        max_length=MAX_PASSWORD_LENGTH,
        style={"input_type": "password"},
    )


def check_new_password(password, user):
    if user.pk is not None and user.check_password(password):
        raise serializers.ValidationError(
            "The new password is the current one: choose another."
        )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise serializers.ValidationError(error.messages) from error
    return password


def set_password_and_end_sessions(user, password):
    """Every token issued before now stops working: each carries a hash of the
    old password hash (CHECK_REVOKE_TOKEN). They are not blacklisted, since a
    blacklisted refresh token presented again revokes the user's new ones too."""
    user.set_password(password)
    user.save(update_fields=["password"])


class PasswordChangeSerializer(serializers.Serializer):
    old_password = password_field()
    new_password = password_field()
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    def validate_old_password(self, password):
        if not self.context["request"].user.check_password(password):
            raise serializers.ValidationError("The old password is not correct.")
        return password

    def validate_new_password(self, password):
        return check_new_password(password, self.context["request"].user)


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(generics.GenericAPIView):
    """Change the signed-in user's password. Every refresh token of the user
    stops working; the answer is a new pair for this client."""

    serializer_class = PasswordChangeSerializer
    # Each attempt checks a password, like signing in.
    throttle_scope = "login"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_password_and_end_sessions(
            request.user, serializer.validated_data["new_password"]
        )
        refresh = RefreshToken.for_user(request.user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})
