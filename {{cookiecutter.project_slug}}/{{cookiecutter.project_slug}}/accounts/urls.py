from django.urls import path

{% if cookiecutter.allow_registration %}
from .registration import RegisterView
{% endif %}
from .views import LoginView, LogoutView, MeView, RefreshView, VerifyView

urlpatterns = [
{% if cookiecutter.allow_registration %}
    path("register/", RegisterView.as_view(), name="register"),
{% endif %}
    path("token/", LoginView.as_view(), name="token"),
    path("token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("token/verify/", VerifyView.as_view(), name="token-verify"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("me/", MeView.as_view(), name="me"),
]
