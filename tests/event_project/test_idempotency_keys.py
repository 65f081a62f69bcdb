"""`Idempotency-Key` on `POST /api/events/` (issue 19): a retry replays the first response and creates and
publishes nothing; another body is a 422, a retry during the first a 409; keys are per user; a 5xx frees the
key; without Redis the request is still served. Real MongoDB, Redis and concurrent requests."""

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_save

from .conftest import bearer_client
from .factories import event_payload
from .test_redis_stall import redis_paused

pytestmark = pytest.mark.django_db

URL = "/api/events/"


def new_key() -> str:
    return f"retry-{uuid.uuid4()}"


def post(client, key: str, payload, **extra):
    return client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def counts() -> tuple[int, int]:
    """Events and outbox records (one per published message)."""
    from events.models import Event
    from outbox.models import OutboxMessage

    return Event.objects.count(), OutboxMessage.objects.count()


@contextmanager
def on_event_save(receiver):
    """`receiver(instance)` runs inside each event save's transaction while the block lasts."""
    from events.models import Event

    def hook(sender, instance, **kwargs):
        receiver(instance)

    post_save.connect(hook, sender=Event, dispatch_uid="test-idempotency-hook")
    try:
        yield
    finally:
        post_save.disconnect(sender=Event, dispatch_uid="test-idempotency-hook")


def test_a_repeat_replays_the_first_response_and_creates_and_publishes_nothing(auth_client):
    key, payload = new_key(), event_payload(title="Once only")
    before = counts()
    first = post(auth_client, key, payload)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert counts() == (before[0] + 1, before[1] + 1)

    again = post(auth_client, key, payload)
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert counts() == (before[0] + 1, before[1] + 1)


def test_the_same_json_with_other_key_order_and_spacing_is_the_same_request(auth_client):
    key, payload = new_key(), event_payload()
    first = post(auth_client, key, payload)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    again = auth_client.post(URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(auth_client):
    key = new_key()
    assert post(auth_client, key, event_payload(title="First")).status_code == 201
    before = counts()
    response = post(auth_client, key, event_payload(title="Second"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_a_repeat_while_the_first_is_running_is_a_409_then_a_replay(user, client_ip):
    key, payload = new_key(), event_payload(title="Slow")
    saving, finish = threading.Event(), threading.Event()
    first_thread = {}

    def hold_the_first(instance):
        if threading.current_thread() is first_thread.get("thread"):
            saving.set()
            assert finish.wait(10)

    def first_request():
        try:
            first_thread["response"] = post(bearer_client(user, client_ip), key, payload)
        finally:
            connection.close()

    before = counts()
    with on_event_save(hold_the_first):
        thread = first_thread["thread"] = threading.Thread(target=first_request)
        thread.start()
        try:
            assert saving.wait(10), "the first request did not reach its save"
            during = post(bearer_client(user, client_ip), key, payload)
        finally:
            finish.set()
            thread.join(20)
    assert during.status_code == 409
    assert during.json()["error"]["code"] == "idempotency_key_in_flight"
    assert int(during["Retry-After"]) >= 1
    assert first_thread["response"].status_code == 201
    after = post(bearer_client(user, client_ip), key, payload)
    assert after["Idempotent-Replayed"] == "true" and after.content == first_thread["response"].content
    assert counts() == (before[0] + 1, before[1] + 1)


def test_keys_are_per_user(auth_client, other_client):
    key, payload = new_key(), event_payload()
    before = counts()
    mine, theirs = post(auth_client, key, payload), post(other_client, key, payload)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert counts() == (before[0] + 2, before[1] + 2)


@pytest.mark.parametrize("key", ["", "k" * 256, "new\x01line", "tab\tkey", "schlüssel", "\x7f"])
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_a_400(auth_client, key):
    before = counts()
    response = post(auth_client, key, event_payload())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert counts() == before


@pytest.mark.parametrize("key", ["k" * 255, "a key with spaces ~!", "x"])
def test_keys_of_1_to_255_printable_ascii_characters_are_accepted(auth_client, key):
    payload = event_payload()  # once: its start time is taken from the clock
    assert post(auth_client, key, payload).status_code == 201
    assert post(auth_client, key, payload)["Idempotent-Replayed"] == "true"


def test_a_server_error_releases_the_key_so_the_retry_creates_the_event(auth_client):
    key, payload = new_key(), event_payload(title="Retried")
    before = counts()

    def fail(instance):
        raise RuntimeError("the write failed")

    with on_event_save(fail):
        failed = post(auth_client, key, payload)
    assert failed.status_code == 500
    assert counts() == before  # the transaction rolled back
    retried = post(auth_client, key, payload)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert counts() == (before[0] + 1, before[1] + 1)


def test_a_validation_error_is_stored_and_replayed_like_any_response_below_500(auth_client):
    key, payload = new_key(), event_payload(title="")
    first = post(auth_client, key, payload)
    assert first.status_code == 400 and first.json()["error"]["code"] == "validation_error"
    again = post(auth_client, key, payload)
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true" and again.content == first.content


def test_without_redis_the_request_is_processed_and_a_warning_logged(auth_client, caplog):
    before = counts()
    with caplog.at_level(logging.WARNING, logger="core.idempotency"), redis_paused(1.0):
        response = post(auth_client, new_key(), event_payload())
    time.sleep(settings.REDIS_BREAKER_SECONDS)  # the breaker the failures opened is closed for the next test
    assert response.status_code == 201
    assert counts() == (before[0] + 1, before[1] + 1)
    assert any("idempotency keys unavailable" in record.getMessage() for record in caplog.records)


def test_the_schema_documents_the_header_and_its_409_and_422(api_client):
    create = api_client.get("/api/schema/?format=json").json()["paths"]["/api/events/"]["post"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in create["parameters"]}
    assert {"409", "422"} <= set(create["responses"])
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]


def test_a_session_authenticated_post_with_csrf_takes_a_key_too(user, client_ip):
    """The browsable API's path: session authentication with its CSRF check, which reads the body before the view."""
    from rest_framework.test import APIClient

    client = APIClient(REMOTE_ADDR=client_ip, enforce_csrf_checks=True)
    client.force_login(user)
    client.get(URL, HTTP_ACCEPT="text/html")  # the browsable page sets the CSRF cookie
    csrf = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}
    key, payload = new_key(), event_payload()
    assert post(client, key, payload, **csrf).status_code == 201
    assert post(client, key, payload, **csrf)["Idempotent-Replayed"] == "true"
