"""simplejwt's tokens and serializers, stricter in four ways: claims must
have the types this API issues, a refresh token is refused once its user's
password has changed (by refresh and logout alike), /token/verify/ refuses
what authentication refuses, and a refresh token is spent exactly once, even
by requests that arrive together."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)


def has_issued_types(payload):
    """user_id a whole number (simplejwt issues it as a string), jti a string."""
    user_id = payload.get(api_settings.USER_ID_CLAIM)
    return isinstance(payload.get(api_settings.JTI_CLAIM), str) and (
        (isinstance(user_id, str) and user_id.isdecimal())
        or (isinstance(user_id, int) and not isinstance(user_id, bool))
    )


class StrictClaims:
    """A token signed with the right key but with odd claims (a string
    user_id, a string or huge exp) is invalid: 401, never a 500."""

    def verify(self):
        if not has_issued_types(self.payload):
            raise TokenError("Token is invalid")
        try:
            super().verify()
        except (TypeError, ValueError, OverflowError):
            raise TokenError("Token is invalid") from None


class AccessToken(StrictClaims, tokens.AccessToken):
    pass


class RefreshToken(StrictClaims, tokens.RefreshToken):
    access_token_class = AccessToken

    def blacklist(self):
        """Spend the token: the blacklist's unique row is the claim, so of
        two requests that present it together one wins and the other is
        refused as a reuse. Call inside a transaction."""
        outstanding, _created = self.outstand()
        try:
            with transaction.atomic():
                return BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError:
            raise TokenError("Token is blacklisted") from None


class UntypedToken(StrictClaims, tokens.UntypedToken):
    pass


def check_user(token):
    """What authentication checks: the user exists, is active, and has not
    changed the password since the token was issued (CHECK_REVOKE_TOKEN)."""
    JWTAuthentication().get_user(token)


def blacklist_all(user_id):
    """Blacklist every refresh token of the user that is still live."""
    live = OutstandingToken.objects.filter(
        user_id=user_id, blacklistedtoken__isnull=True
    )
    # Two requests revoking at once both find the same live tokens.
    BlacklistedToken.objects.bulk_create(
        (BlacklistedToken(token=t) for t in live), ignore_conflicts=True
    )


def revoke_all_if_reused(raw_token):
    """A refresh token that comes back after it was rotated or logged out has
    leaked: blacklist every refresh token of its user, so the thief and the
    user alike must sign in again. Access tokens expire on their own. A token
    that refresh would refuse for other reasons (its user's password changed
    since, say) revokes nothing: it cannot sign anyone out."""
    try:
        # Signature, expiry, audience and issuer are checked; the blacklist is not.
        payload = token_backend.decode(raw_token, verify=True)
    except TokenBackendError:
        return
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not has_issued_types(
        payload
    ):
        return
    try:
        check_user(payload)
    except AuthenticationFailed:
        return
    if BlacklistedToken.objects.filter(token__jti=payload["jti"]).exists():
        blacklist_all(payload[api_settings.USER_ID_CLAIM])


class RefreshSerializer(TokenRefreshSerializer):
    token_class = RefreshToken

    def validate(self, attrs):
        try:
            # The old token is spent and the new one recorded together, or not at all.
            with transaction.atomic():
                check_user(self.token_class(attrs["refresh"]))
                return super().validate(attrs)
        except TokenError:
            revoke_all_if_reused(attrs["refresh"])
            raise
        except get_user_model().DoesNotExist:
            # Deleted between the check and simplejwt's own lookup.
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


class VerifySerializer(TokenVerifySerializer):
    def validate(self, attrs):
        token = UntypedToken(attrs["token"])
        if BlacklistedToken.objects.filter(token__jti=token["jti"]).exists():
            raise TokenError("Token is blacklisted")
        check_user(token)
        return {}


class LogoutSerializer(TokenBlacklistSerializer):
    """Logout checks a refresh token as refresh does (signature, blacklist,
    user, password), so a token that refresh refuses is a 401 that changes
    nothing."""

    token_class = RefreshToken

    def validate(self, attrs):
        with transaction.atomic():
            refresh = self.token_class(attrs["refresh"])
            check_user(refresh)
            refresh.blacklist()
        return {}
