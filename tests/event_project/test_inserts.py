"""A single-document insert goes as `insert_one` and behaves as upstream's `insert_many` did."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_one_document_is_sent_as_insert_one_and_shows_in_captured_queries():
    with CaptureQueriesContext(connection) as captured:
        record = OutboxMessage.objects.create(message_id="m-1", routing_key="event.created", body={"n": 1})
    assert [query["sql"].split("(", 1)[0].rsplit(".", 1)[-1] for query in captured.captured_queries] == ["insert_one"]
    assert OutboxMessage.objects.get(pk=record.pk).message_id == "m-1"


def test_a_duplicate_single_insert_is_an_integrity_error():
    OutboxMessage.objects.create(message_id="m-2", routing_key="event.created", body={})
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(message_id="m-2", routing_key="event.created", body={})
    assert OutboxMessage.objects.filter(message_id="m-2").count() == 1


def test_several_documents_still_go_as_one_insert_many():
    with CaptureQueriesContext(connection) as captured:
        OutboxMessage.objects.bulk_create(
            [OutboxMessage(message_id=f"m-{n}", routing_key="event.created", body={}) for n in (3, 4)]
        )
    assert [query["sql"].split("(", 1)[0].rsplit(".", 1)[-1] for query in captured.captured_queries] == ["insert_many"]
