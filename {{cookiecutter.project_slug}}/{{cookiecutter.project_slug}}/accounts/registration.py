"""Open sign-up: its serializer, view and URL, in the one module the
registration option adds."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework import generics, permissions, serializers

from .models import User
from .serializers import IdentitySerializer


class RegisterSerializer(IdentitySerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "email", "password"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], candidate)
        except ValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from error
        return attrs

    def create(self, validated_data):
        return User.objects.create_user(**validated_data)


class RegisterView(generics.CreateAPIView):
    """Open sign-up. Throttled per client; the password never comes back."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "register"


urlpatterns = [path("register/", RegisterView.as_view(), name="register")]
