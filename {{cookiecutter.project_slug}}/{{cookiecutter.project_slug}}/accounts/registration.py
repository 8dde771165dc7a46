"""Open sign-up, finished through a link mailed to the address: its
serializers, views and URLs, in the one module the registration option adds.

Signing up answers the same whether or not the address has an account, so
it tells nobody which addresses do: a free address gets the link, a taken
one a notice to its owner. The account is made only when the link is
followed, with the password chosen then, so an address nobody reads never
holds an account. The link is signed with SECRET_KEY, carries the username
and address, and expires after ACCOUNT_LINK_TIMEOUT.
"""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import path
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from .addresses import validate_deliverable
from .links import follow_link_text
from .mail import send_account_mail
from .models import User
from .passwords import check_new_password, password_field
from .serializers import IdentitySerializer

SIGN_UP_SALT = "accounts.sign-up"
SENT = "Check your inbox: a link to finish signing up is on its way to the address."
INVALID = "The sign-up link is invalid or has expired: sign up again."


class SignUpSerializer(IdentitySerializer):
    class Meta:
        model = User
        fields = ["username", "email"]
        # The address is checked for its form only: whether an account has it
        # must not change the answer.
        extra_kwargs = {"email": {"validators": [validate_deliverable]}}


class SignUpConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)
    password = password_field()

    def validate(self, attrs):
        try:
            claims = signing.loads(
                attrs["token"],
                salt=SIGN_UP_SALT,
                max_age=settings.ACCOUNT_LINK_TIMEOUT,
            )
        except signing.BadSignature:
            raise serializers.ValidationError({"token": [INVALID]}) from None
        candidate = User(username=claims["username"], email=claims["email"])
        try:
            check_new_password(attrs["password"], candidate)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"password": error.detail}) from None
        return {"user": candidate, "password": attrs["password"]}


def sign_up_text(request, username, token):
    how = follow_link_text(
        request, settings.SIGN_UP_URL, "register-confirm", also="password", token=token
    )
    return (
        f"Someone signed up as {username} with this address.\n"
        "If that was you, choose your password and finish within "
        f"{settings.ACCOUNT_LINK_TIMEOUT // 60} minutes:\n\n"
        f"{how}\n\n"
        "If it was not you, ignore this message: no account is made.\n"
    )


def already_taken_text(user):
    return (
        "Someone tried to sign up with this address, which already has an "
        f"account: {user.username}.\n"
        "If that was you, sign in, or reset your password if you forgot it. "
        "If it was not you, ignore this message: nothing changed.\n"
    )


class RegisterView(generics.GenericAPIView):
    """Start a sign-up: a link to finish it goes to the address. Throttled per
    client, and mail per address is limited too (mail.py)."""

    serializer_class = SignUpSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "register"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        email = serializer.validated_data["email"]
        owner = User.objects.filter(email=email).first()
        if owner is None:
            token = signing.dumps(
                {"username": username, "email": email}, salt=SIGN_UP_SALT
            )
            send_account_mail(
                email, "Finish signing up", sign_up_text(request, username, token)
            )
        else:
            send_account_mail(
                email, "Someone tried to sign up", already_taken_text(owner)
            )
        return Response({"detail": SENT}, status=status.HTTP_202_ACCEPTED)


class RegisterConfirmView(generics.GenericAPIView):
    """Finish a sign-up with the link's token and a password: the account is
    made now. A link works once: its address then has an account."""

    serializer_class = SignUpConfirmSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "register"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        user.set_password(serializer.validated_data["password"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # The address or the username was taken after the link was sent.
            raise serializers.ValidationError({"token": [INVALID]}) from None
        return Response(
            {"id": user.pk, "username": user.username, "email": user.email},
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [
    path("register/", RegisterView.as_view(), name="register"),
    path("register/confirm/", RegisterConfirmView.as_view(), name="register-confirm"),
]
