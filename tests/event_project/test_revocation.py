"""Refresh tokens rotate and can be revoked; a deactivated or deleted user's refresh is refused; one can log
out and delete one's own account (with one's events, each published as deleted)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.test import APIClient

from outbox.models import OutboxMessage

from .conftest import bearer_client
from .factories import PASSWORD, make_event, make_user

pytestmark = pytest.mark.django_db


def log_in(user) -> dict:
    return APIClient().post("/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json").json()


def refresh(token: str):
    return APIClient().post("/api/auth/refresh/", {"refresh": token}, format="json")


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_refresh_rotates_and_the_used_token_is_refused_from_then_on(user):
    first = log_in(user)["refresh"]
    rotated = refresh(first)
    assert rotated.status_code == 200
    body = rotated.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["refresh"] != first
    again = refresh(first)
    assert again.status_code == 401 and error_code(again) == "token_revoked"
    assert refresh(body["refresh"]).status_code == 200  # the new one works, once


def test_of_two_concurrent_refreshes_of_one_token_exactly_one_succeeds(user):
    token = log_in(user)["refresh"]
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(response.status_code for response in pool.map(lambda _: refresh(token), range(8)))
    assert statuses == [200] + [401] * 7


def test_logout_revokes_the_refresh_token_and_is_idempotent(user):
    token = log_in(user)["refresh"]
    client = APIClient()
    assert client.post("/api/auth/logout/", {"refresh": token}, format="json").status_code == 204
    assert client.post("/api/auth/logout/", {"refresh": token}, format="json").status_code == 204
    refused = refresh(token)
    assert refused.status_code == 401 and error_code(refused) == "token_revoked"
    forged = client.post("/api/auth/logout/", {"refresh": token[:-4] + "AAAA"}, format="json")
    assert forged.status_code == 401


def test_a_deactivated_users_refresh_is_refused(user):
    token = log_in(user)["refresh"]
    user.is_active = False
    user.save()
    refused = refresh(token)
    assert refused.status_code == 401 and error_code(refused) == "user_inactive"


def test_deleting_ones_account_needs_the_password_and_takes_the_events_with_it(user, client_ip):
    events = [make_event(user, title=f"Mine {n}") for n in range(2)]
    tokens = log_in(user)
    client = bearer_client(user, client_ip)
    wrong = client.delete("/api/auth/me/", {"password": "Not-it-1"}, format="json")
    assert wrong.status_code == 400 and "password" in wrong.json()["error"]["details"]
    assert client.delete("/api/auth/me/", {}, format="json").status_code == 400

    assert client.delete("/api/auth/me/", {"password": PASSWORD}, format="json").status_code == 204
    assert client.get("/api/auth/me/").status_code == 401  # the access token's user is gone
    refused = refresh(tokens["refresh"])
    assert refused.status_code == 401 and error_code(refused) == "user_inactive"
    reader = bearer_client(make_user(), client_ip)
    for event in events:
        assert reader.get(f"/api/events/{event.pk}/").status_code == 404
    deleted = [str(message.body) for message in OutboxMessage.objects.filter(routing_key="event.deleted")]
    for event in events:
        assert sum(str(event.pk) in body for body in deleted) == 1


def user_messages(user) -> list[str]:
    return [
        message.routing_key
        for message in OutboxMessage.objects.filter(routing_key__startswith="user.").order_by("created_at", "id")
        if message.body["data"]["id"] == str(user.pk)
    ]


def test_deactivation_reactivation_and_deletion_are_published_for_the_notification_service(user, client_ip):
    from django.contrib.auth import get_user_model

    loaded = get_user_model().objects.get(pk=user.pk)
    loaded.full_name = "Renamed"
    loaded.save()
    assert user_messages(user) == []  # only a change of access is published
    loaded.is_active = False
    loaded.save()
    loaded.save()  # saved again unchanged: nothing more
    loaded.is_active = True
    loaded.save()
    assert user_messages(user) == ["user.deactivated", "user.reactivated"]
    bearer_client(user, client_ip).delete("/api/auth/me/", {"password": PASSWORD}, format="json")
    assert user_messages(user) == ["user.deactivated", "user.reactivated", "user.deleted"]
