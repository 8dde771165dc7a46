"""Changing the address: views and URLs, routed where mail is set up.

A stolen access token must not be enough to take an account, and an
address is only worth as much as the mailbox behind it. So the change asks
for the current password, mails a link to the new address, and happens only
when that link is followed; the old address hears of it at once, while the
change can still be stopped. Until then /me/ shows the old address.

The link is signed with SECRET_KEY, expires after ACCOUNT_LINK_TIMEOUT, and
is bound to the account's current address and password hash: it works once,
and a password change (the owner's answer to the notice) voids it.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import path
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from .addresses import MAX_LENGTH, validate_deliverable
from .links import follow_link_text
from .mail import send_account_mail
from .models import User
from .passwords import password_field
from .serializers import UserSerializer

EMAIL_CHANGE_SALT = "accounts.email-change"
SENT = "A link to confirm the new address is on its way to it."
INVALID = "The confirmation link is invalid or has expired."
NOT_CORRECT = "The password is not correct."


def binding(user):
    """What the link is bound to: it stops working once either changes."""
    state = f"{user.email}\n{user.password}".encode()
    return hashlib.sha256(state).hexdigest()


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=MAX_LENGTH, validators=[validate_deliverable]
    )
    password = password_field()

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": User.objects.normalize_email(data["email"])}
        return super().to_internal_value(data)

    def validate_password(self, password):
        if not self.context["request"].user.check_password(password):
            raise serializers.ValidationError(NOT_CORRECT)
        return password


class EmailConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


def confirm_text(request, user, token):
    how = follow_link_text(
        request, settings.EMAIL_CONFIRM_URL, "email-confirm", token=token
    )
    return (
        f"The account {user.username} asked to use this address from now on.\n"
        f"If that was you, confirm within {settings.ACCOUNT_LINK_TIMEOUT // 60} "
        f"minutes:\n\n{how}\n\n"
        "If it was not you, ignore this message: nothing changes.\n"
    )


def notice_text(user, new_address):
    return (
        f"The account {user.username} asked to change its address from this "
        f"one to {new_address}. It changes only once the link sent there is "
        "followed.\n"
        "If that was not you, change your password now: that stops the change, "
        "and whoever asked knows your password.\n"
    )


def taken_text():
    return (
        "Someone asked to move an account to this address, which already has "
        "one. Nothing changed, and you need do nothing.\n"
    )


class EmailChangeView(generics.GenericAPIView):
    """Ask to change the signed-in user's address: with the current password;
    the change waits for the link mailed to the new address. The answer is the
    same whether or not another account has that address."""

    serializer_class = EmailChangeSerializer
    # Each attempt checks a password, like signing in.
    throttle_scope = "login"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, new_address = request.user, serializer.validated_data["email"]
        if new_address != user.email:
            # Two messages either way, so the time taken tells nothing either.
            if User.objects.filter(email=new_address).exists():
                send_account_mail(new_address, "Your address", taken_text())
            else:
                token = signing.dumps(
                    {"user": user.pk, "email": new_address, "bound": binding(user)},
                    salt=EMAIL_CHANGE_SALT,
                )
                send_account_mail(
                    new_address,
                    "Confirm your new address",
                    confirm_text(request, user, token),
                )
            send_account_mail(
                user.email, "Your address is changing", notice_text(user, new_address)
            )
        return Response({"detail": SENT}, status=status.HTTP_202_ACCEPTED)


class EmailConfirmView(generics.GenericAPIView):
    """Follow the link: the account's address becomes the new one. The link
    needs no sign-in, as it may be opened on another device."""

    serializer_class = EmailConfirmSerializer
    permission_classes = []
    authentication_classes = []
    throttle_scope = "login"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            claims = signing.loads(
                serializer.validated_data["token"],
                salt=EMAIL_CHANGE_SALT,
                max_age=settings.ACCOUNT_LINK_TIMEOUT,
            )
            with transaction.atomic():
                user = User.objects.select_for_update().get(pk=claims["user"])
                if binding(user) != claims["bound"]:
                    raise signing.BadSignature("spent")
                user.email = claims["email"]
                user.save(update_fields=["email"])
        except (signing.BadSignature, User.DoesNotExist, IntegrityError):
            # IntegrityError: another account took the address meanwhile.
            raise serializers.ValidationError({"token": [INVALID]}) from None
        return Response(UserSerializer(user).data)


urlpatterns = [
    path("email/change/", EmailChangeView.as_view(), name="email-change"),
    path("email/confirm/", EmailConfirmView.as_view(), name="email-confirm"),
]
