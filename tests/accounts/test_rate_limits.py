"""allauth's sign-in rate limits are on, and they count in the shared (Redis) cache."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import cast


def test_repeated_failed_sign_ins_for_one_account_are_throttled(people):
    client = Client()
    pages = [
        client.post(reverse("account_login"), {"login": "E100", "password": f"wrong-{i}"}).content.decode()
        for i in range(6)
    ]
    assert not any("Too many failed login attempts" in page for page in pages[:5])
    assert "Too many failed login attempts" in pages[5]
    # Even the right password waits until the window passes, from another browser too.
    other = Client()
    response = other.post(reverse("account_login"), {"login": "E100", "password": cast.PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert other.get(reverse("inbox:inbox")).status_code == 302


def test_rate_limit_counters_live_in_redis():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
