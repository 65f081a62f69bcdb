"""Storing several messages in one transaction: same results as one by one, in order, each message once."""

from datetime import UTC, datetime

import pytest
from bson import ObjectId
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import event_message

pytestmark = pytest.mark.django_db


def test_a_batch_stores_each_new_message_once_in_order_with_registry_and_recipients(people):
    from notifications.models import Notification
    from notifications.processing import store_notification, store_notifications
    from registry.models import KnownEvent
    from subscriptions.models import Subscription

    ann, ben, cat = people["ann"], people["ben"], people["cat"]
    followed = str(ObjectId())
    Subscription.objects.create(user_id=ben.id, event_id=followed)
    before = event_message("event.created", followed, ann, title="Before")
    store_notification(before)
    created = [event_message("event.created", str(ObjectId()), cat, title=f"New {n}") for n in range(3)]
    updated = event_message("event.updated", followed, ann, title="Renamed")
    batch = [created[0], before, updated, created[1], created[0], created[2]]  # `before` stored already, created[0] twice

    results = store_notifications(batch)

    assert [r.duplicate for r in results] == [False, True, False, False, True, False]
    stored = [r.notification for r in results if not r.duplicate]
    assert [n.event_title for n in stored] == ["New 0", "Renamed", "New 1", "New 2"]
    # A duplicate carries the notification stored before, to be pushed again (the first push may be lost).
    assert results[1].notification.message_id == before["message_id"]
    assert results[4].notification.pk == results[0].notification.pk
    seqs = [n.seq for n in stored]
    assert seqs == list(range(seqs[0], seqs[0] + 4)) and seqs[0] == Notification.objects.get(message_id=before["message_id"]).seq + 1
    assert stored[1].recipients == sorted({ben.id, ann.id}) and not stored[1].broadcast
    assert all(n.broadcast and n.recipients == [] for n in (stored[0], stored[2], stored[3]))
    assert Notification.objects.filter(message_id__in=[m["message_id"] for m in batch]).count() == 5
    assert KnownEvent.objects.get(event_id=followed).title == "Renamed"
    assert KnownEvent.objects.filter(event_id__in=[m["data"]["id"] for m in created]).count() == 3


def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_size(people):
    from notifications.processing import store_notifications

    def queries(size: int) -> int:
        messages = [event_message("event.created", str(ObjectId()), people["ann"], title=f"E{n}") for n in range(size)]
        with CaptureQueriesContext(connection) as captured:
            store_notifications(messages)
        return len(captured.captured_queries)

    assert queries(2) == queries(40) > 0


def test_an_older_message_in_a_batch_does_not_undo_a_newer_registry_state(people):
    from notifications.processing import store_notifications
    from registry.models import KnownEvent

    event_id = str(ObjectId())
    newer = event_message("event.updated", event_id, people["ann"], title="Newer", occurred_at=datetime(2030, 1, 2, tzinfo=UTC))
    older = event_message("event.updated", event_id, people["ann"], title="Older", occurred_at=datetime(2030, 1, 1, tzinfo=UTC))
    store_notifications([newer, older])
    assert KnownEvent.objects.get(event_id=event_id).title == "Newer"
