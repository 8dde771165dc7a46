"""Password reset by email: views and URLs, routed where mail is set up.
The token is Django's: signed with SECRET_KEY, valid for
PASSWORD_RESET_TIMEOUT, and good once, since it is bound to the password
hash it was made for; requests that present it together take turns on the
user's row, so only the first sets a password."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import path
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from .addresses import MAX_LENGTH
from .links import follow_link_text
from .mail import send_account_mail
from .models import User
from .passwords import check_new_password, password_field, set_password_and_end_sessions
from .signin import forget_failures

SENT = "If an account has this address, a message with a reset token is on its way."
INVALID = "The reset token is invalid or has expired."


class ResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=MAX_LENGTH)

    def to_internal_value(self, data):
        # The same form addresses are stored in (models.UserManager).
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": User.objects.normalize_email(data["email"])}
        return super().to_internal_value(data)


class ResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=100)
    token = serializers.CharField(max_length=100)
    new_password = password_field()

    def validate(self, attrs):
        user = user_from_uid(attrs["uid"])
        if user is None or not default_token_generator.check_token(
            user, attrs["token"]
        ):
            raise serializers.ValidationError({"token": [INVALID]})
        try:
            check_new_password(attrs["new_password"], user)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"new_password": error.detail}) from None
        return {**attrs, "user": user}


def user_from_uid(uid, users=User.objects):
    try:
        pk = urlsafe_base64_decode(uid).decode()
        return users.get(pk=pk, is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


def send_reset_message(request, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    how = follow_link_text(
        request,
        settings.PASSWORD_RESET_URL,
        "password-reset-confirm",
        also="new_password",
        uid=uid,
        token=token,
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    send_account_mail(
        user.email,
        "Reset your password",
        f"Someone asked to reset the password of the account {user.username}.\n"
        f"If that was you, choose a new one within {minutes} minutes:\n\n"
        f"{how}\n\n"
        "If it was not you, ignore this message: the password stays as it is.\n",
    )


class PasswordResetView(generics.GenericAPIView):
    """Mail a reset token to the address, if an account has it. The answer is
    the same either way, so it tells nobody which addresses have accounts."""

    serializer_class = ResetRequestSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "reset_mail"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        for user in User.objects.filter(email=email, is_active=True):
            if user.has_usable_password():
                send_reset_message(request, user)
        return Response({"detail": SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(generics.GenericAPIView):
    """Set a new password with the token from the message. Every token the
    user held before stops working, and the reset token itself is spent."""

    serializer_class = ResetConfirmSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "login"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            # Checked again on the locked row: a token presented twice at
            # once finds the password it was bound to gone the second time.
            user = user_from_uid(
                serializer.validated_data["uid"], User.objects.select_for_update()
            )
            if user is None or not default_token_generator.check_token(
                user, serializer.validated_data["token"]
            ):
                raise serializers.ValidationError({"token": [INVALID]})
            set_password_and_end_sessions(
                user, serializer.validated_data["new_password"]
            )
        forget_failures(user.username)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("password/reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
