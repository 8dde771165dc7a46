import pytest
from django.core.exceptions import ImproperlyConfigured

from config import jwt_keys


def test_production_takes_a_strong_key(monkeypatch):
    key = jwt_keys.new_keys()["SIGNING_KEY"]
    monkeypatch.setenv("JWT_SIGNING_KEY", key)
    assert jwt_keys.production_keys() == {"SIGNING_KEY": key}


def test_production_refuses_a_short_key(monkeypatch):
    monkeypatch.setenv("JWT_SIGNING_KEY", "x" * (jwt_keys.MINIMUM_LENGTH - 1))
    with pytest.raises(ImproperlyConfigured, match="JWT_SIGNING_KEY is too weak"):
        jwt_keys.production_keys()


def test_production_refuses_the_secret_key_as_jwt_key(monkeypatch):
    key = jwt_keys.new_keys()["SIGNING_KEY"]
    monkeypatch.setenv("JWT_SIGNING_KEY", key)
    monkeypatch.setenv("DJANGO_SECRET_KEY", key)
    with pytest.raises(ImproperlyConfigured, match="equals DJANGO_SECRET_KEY"):
        jwt_keys.production_keys()


def test_development_falls_back_to_a_fixed_key(monkeypatch):
    monkeypatch.delenv("JWT_SIGNING_KEY", raising=False)
    assert jwt_keys.development_keys() == {"SIGNING_KEY": jwt_keys.DEVELOPMENT_KEY}
