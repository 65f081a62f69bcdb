"""The authenticated user is cached, and a change to the user takes effect on the next request."""

from django.core.cache import cache

from accounts.selectors import user_cache_key

from .conftest import bearer_client


def test_authenticated_request_caches_the_user(user, client_ip):
    cache.delete(user_cache_key(user.pk))
    assert bearer_client(user, client_ip).get("/api/auth/me/").status_code == 200
    assert cache.get(user_cache_key(user.pk)).pk == user.pk


def test_deactivating_a_cached_user_refuses_their_token_on_the_next_request(user, client_ip):
    client = bearer_client(user, client_ip)
    assert client.get("/api/auth/me/").status_code == 200
    user.is_active = False
    user.save()
    response = client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_not_found"


def test_deleting_a_cached_user_refuses_their_token_on_the_next_request(user, client_ip):
    client = bearer_client(user, client_ip)
    assert client.get("/api/auth/me/").status_code == 200
    user.delete()
    assert client.get("/api/auth/me/").status_code == 401
