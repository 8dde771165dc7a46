from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from .serializers import UserSerializer
from .signin import SignInSerializer
from .tokens import LogoutSerializer, RefreshSerializer, VerifySerializer

# Answers that carry tokens say Cache-Control: no-store (RFC 6749, 5.1).
no_store = method_decorator(never_cache, name="dispatch")


@no_store
class LoginView(jwt_views.TokenObtainPairView):
    """Trade a username and password for an access and a refresh token.

    A wrong password and an unknown username get the same answer, and wrong
    passwords in a row slow further attempts for that username (signin.py).
    """

    serializer_class = SignInSerializer
    throttle_scope = "login"


@no_store
class RefreshView(jwt_views.TokenRefreshView):
    """Trade a refresh token for a new pair; the old refresh token is blacklisted.

    Presenting a blacklisted refresh token again revokes all of the user's
    refresh tokens (see tokens.revoke_all_if_reused), and a refresh token
    issued before the user's last password change is refused.
    """

    serializer_class = RefreshSerializer
    throttle_scope = "token"


class VerifyView(jwt_views.TokenVerifyView):
    """200 for a token the API would accept right now, else 401."""

    serializer_class = VerifySerializer
    throttle_scope = "token"


class LogoutView(jwt_views.TokenBlacklistView):
    """Blacklist a refresh token. Its access tokens still work until they expire."""

    serializer_class = LogoutSerializer
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_204_NO_CONTENT)


@no_store
class MeView(generics.RetrieveAPIView):
    """The signed-in user. The address changes through /email/change/, with
    the password and a link to the new address (email_change.py)."""

    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user
