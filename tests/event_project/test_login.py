"""Login by username or email, uniform failures, and the per-IP rate limit."""

import pytest
from rest_framework.test import APIClient

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/api/auth/login/"


def test_login_with_username_returns_bearer_tokens(api_client, user):
    response = api_client.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800


def test_login_with_email_in_any_case(api_client):
    user = make_user(email="Grace@Example.com")
    response = api_client.post(URL, {"email": "grace@EXAMPLE.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    me = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.json()["username"] == user.username


def test_login_with_username_is_case_insensitive(api_client):
    make_user(username="MixedCase")
    response = api_client.post(URL, {"username": "mixedcase", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(api_client, user):
    wrong = api_client.post(URL, {"username": user.username, "password": "Wrong-pass1"}, format="json")
    unknown = api_client.post(URL, {"username": "nobody_here", "password": "Wrong-pass1"}, format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["message"] == "Invalid credentials."


def test_inactive_user_cannot_log_in(api_client):
    user = make_user(is_active=False)
    response = api_client.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 401


def test_login_requires_exactly_one_of_username_or_email(api_client, user):
    both = api_client.post(URL, {"username": user.username, "email": user.email, "password": PASSWORD}, format="json")
    neither = api_client.post(URL, {"password": PASSWORD}, format="json")
    assert both.status_code == neither.status_code == 400


def test_sixth_attempt_within_a_minute_gets_429_with_retry_after(api_client, user):
    for _ in range(5):
        response = api_client.post(URL, {"username": user.username, "password": "Wrong-pass1"}, format="json")
        assert response.status_code == 401
    blocked = api_client.post(URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(blocked["Retry-After"]) <= 60


def test_rate_limit_is_per_ip_and_shared_between_clients(user, client_ip):
    first, second = APIClient(REMOTE_ADDR=client_ip), APIClient(REMOTE_ADDR=client_ip)
    for client in (first, second, first, second, first):
        client.post(URL, {"username": user.username, "password": "x"}, format="json")
    assert second.post(URL, {"username": user.username, "password": PASSWORD}, format="json").status_code == 429
    other_ip = APIClient(REMOTE_ADDR="192.0.2.77")
    assert other_ip.post(URL, {"username": user.username, "password": PASSWORD}, format="json").status_code == 200


def test_rate_limit_counter_lives_in_the_shared_redis_cache(api_client, user, settings):
    import redis
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    api_client.post(URL, {"username": user.username, "password": "wrong"}, format="json")
    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
    assert any(b"rl:" in key for key in keys), keys  # django-ratelimit's counter, visible to every process


def test_x_forwarded_for_cannot_bypass_the_limit_without_a_trusted_proxy(api_client, user):
    for n in range(5):
        api_client.post(URL, {"username": user.username, "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = api_client.post(
        URL, {"username": user.username, "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert response.status_code == 429


def test_with_a_trusted_proxy_the_forwarded_client_address_is_the_key(user, settings, client_ip):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = APIClient(REMOTE_ADDR=client_ip)
    for _ in range(5):
        proxy.post(URL, {"username": user.username, "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    limited = proxy.post(URL, {"username": user.username, "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    other = proxy.post(URL, {"username": user.username, "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert limited.status_code == 429
    assert other.status_code == 200
