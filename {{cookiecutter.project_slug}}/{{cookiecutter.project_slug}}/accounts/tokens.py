from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)


def revoke_all_if_reused(raw_token):
    """A refresh token that comes back after it was rotated or logged out has
    leaked: blacklist every refresh token of its user, so the thief and the
    user alike must sign in again. Access tokens expire on their own."""
    try:
        # Signature, expiry, audience and issuer are checked; the blacklist is not.
        payload = token_backend.decode(raw_token, verify=True)
    except TokenBackendError:
        return
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
        return
    if not BlacklistedToken.objects.filter(token__jti=payload["jti"]).exists():
        return
    live = OutstandingToken.objects.filter(
        user_id=payload.get(api_settings.USER_ID_CLAIM), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(BlacklistedToken(token=t) for t in live)


class RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except TokenError:
            revoke_all_if_reused(attrs["refresh"])
            raise
        except get_user_model().DoesNotExist:
            # simplejwt 5.5 looks the user up without catching this (a 500).
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None
