"""The authenticated user is cached, and a change to the user takes effect on the next request."""

from django.core.cache import cache

from accounts.selectors import user_cache_key

from .conftest import bearer_client


def test_authenticated_request_caches_the_user(user, client_ip):
    cache.delete(user_cache_key(user.pk))
    assert bearer_client(user, client_ip).get("/api/auth/me/").status_code == 200
    assert cache.get(user_cache_key(user.pk)) == {"id": str(user.pk), "username": user.username, "is_active": True}


def test_the_cached_record_holds_no_password_and_the_rest_is_read_when_needed(user, client_ip):
    from accounts import selectors

    cache.delete(user_cache_key(user.pk))
    selectors.active_user(str(user.pk))
    raw = cache.redis().get(cache.make_key(user_cache_key(user.pk)))
    assert b"password" not in raw and user.password.encode() not in raw
    cached = selectors.active_user(str(user.pk))
    assert cached.get_deferred_fields() >= {"password", "email"}
    assert cached.email == user.email  # a deferred field, read from MongoDB
    me = bearer_client(user, client_ip).get("/api/auth/me/").json()
    assert me["email"] == user.email and me["username"] == user.username


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


def test_a_reader_that_read_a_user_before_a_change_cannot_cache_the_old_copy(user, client_ip):
    from accounts import selectors
    from accounts.models import User

    cache.delete(user_cache_key(user.pk))
    seen = cache.get(user_cache_key(user.pk))  # a reader finds no entry, then reads the database ...
    read_before_the_change = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save()  # ... while the user is deactivated ...
    selectors._store({user.pk: (seen, read_before_the_change)})  # ... and stores what it read
    assert selectors.cached_user(cache.get(user_cache_key(user.pk))) is None
    assert selectors.active_user(str(user.pk)) is None
    assert bearer_client(user, client_ip).get("/api/auth/me/").status_code == 401


def test_the_first_read_after_a_change_caches_the_changed_user(user, client_ip):
    from accounts import selectors

    user.full_name = "Changed"
    user.save()
    assert selectors.cached_user(cache.get(user_cache_key(user.pk))) is None
    assert selectors.active_user(str(user.pk)).full_name == "Changed"
    assert selectors.active_user(str(user.pk)).full_name == "Changed"
    assert cache.get(user_cache_key(user.pk))["username"] == user.username


def test_cached_users_live_exactly_the_setting(db, settings):
    from accounts import selectors

    from .factories import make_user

    settings.USER_CACHE_SECONDS = 300
    users = [make_user() for _ in range(3)]
    for user in users:
        cache.delete(user_cache_key(user.pk))
    assert set(selectors.users_by_id([user.pk for user in users])) == {user.pk for user in users}
    ttls = [cache.redis().ttl(cache.make_key(user_cache_key(user.pk))) for user in users]
    assert all(295 <= ttl <= 300 for ttl in ttls), ttls
