"""A current cached read is answered before DRF runs, and only when DRF would have given the same answer."""

from unittest import mock

import pytest
from django.core.cache import cache

from accounts.selectors import user_cache_key
from events import views

from .factories import make_event

pytestmark = pytest.mark.django_db


def warm(client, url):
    """Read `url` twice through DRF: the first read stores the copy, the second caches the reader."""
    for _ in range(2):
        assert client.get(url).status_code == 200


def test_a_current_copy_is_served_without_drf_with_drfs_headers(auth_client, user):
    event = make_event(user)
    url = f"/api/events/{event.pk}/"
    through_drf = auth_client.get(url)
    auth_client.get(url)
    with mock.patch.object(views.EventDetailApi, "get", side_effect=AssertionError("the DRF view ran")):
        fast = auth_client.get(url)
    assert fast.status_code == 200
    assert fast.content == through_drf.content
    for header in ("Content-Type", "Allow", "Vary", "X-Content-Type-Options"):
        assert fast[header] == through_drf[header], header


def test_list_pages_are_served_without_drf(auth_client, user):
    make_event(user, title="Listed")
    warm(auth_client, "/api/events/?page_size=5")
    with mock.patch.object(views.EventListCreateApi, "get", side_effect=AssertionError("the DRF view ran")):
        response = auth_client.get("/api/events/?page_size=5")
    assert [event["title"] for event in response.json()["results"]] == ["Listed"]


def test_mine_is_served_without_drf_and_only_to_its_reader(auth_client, other_client, user, other_user):
    make_event(user, title="Mine")
    make_event(other_user, title="Theirs")
    warm(auth_client, "/api/events/?mine=true")
    warm(other_client, "/api/events/?mine=true")
    with mock.patch.object(views.EventListCreateApi, "get", side_effect=AssertionError("the DRF view ran")):
        assert [event["title"] for event in other_client.get("/api/events/?mine=true").json()["results"]] == ["Theirs"]
        assert [event["title"] for event in auth_client.get("/api/events/?mine=true").json()["results"]] == ["Mine"]


def test_a_deactivated_reader_is_refused_although_the_copy_is_current(other_client, user, other_user):
    event = make_event(user)  # not the reader's: saving the reader leaves this copy current
    warm(other_client, f"/api/events/{event.pk}/")
    other_user.is_active = False
    other_user.save()
    for _ in range(2):  # the first refusal caches the deactivated user; the second meets it in the cache
        response = other_client.get(f"/api/events/{event.pk}/")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "user_not_found"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Token abc", "Bearer", ""],
    ids=["malformed token", "other scheme", "no token", "no header"],
)
def test_a_reader_without_a_valid_token_is_refused(auth_client, user, authorization):
    event = make_event(user)
    warm(auth_client, f"/api/events/{event.pk}/")
    auth_client.credentials(HTTP_AUTHORIZATION=authorization) if authorization else auth_client.credentials()
    response = auth_client.get(f"/api/events/{event.pk}/")
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"status", "code", "message"}


def test_an_uncached_reader_goes_through_drf_which_caches_them(auth_client, user):
    event = make_event(user)
    warm(auth_client, f"/api/events/{event.pk}/")
    cache.delete(user_cache_key(user.pk))
    assert auth_client.get(f"/api/events/{event.pk}/").status_code == 200
    assert cache.get(user_cache_key(user.pk)).pk == user.pk


@pytest.mark.parametrize("extra", [{"HTTP_ACCEPT": "text/html"}, {"QUERY_STRING": "format=api"}], ids=["accept html", "format=api"])
def test_other_renderings_go_through_drf(auth_client, user, extra):
    event = make_event(user)
    warm(auth_client, f"/api/events/{event.pk}/")
    response = auth_client.get(f"/api/events/{event.pk}/", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_a_stale_copy_is_not_served(auth_client, user):
    event = make_event(user, title="Before")
    warm(auth_client, f"/api/events/{event.pk}/")
    event.title = "After"
    event.save()
    assert auth_client.get(f"/api/events/{event.pk}/").json()["title"] == "After"


def test_a_malformed_id_is_a_404_in_the_error_shape(auth_client):
    response = auth_client.get("/api/events/not-an-object-id/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

