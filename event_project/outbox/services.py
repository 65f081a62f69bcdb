"""Writing to the outbox and keeping it tidy. Called inside the caller's transaction."""

from datetime import timedelta

from django.utils import timezone

from eventhub_common.log_context import TRACEPARENT

from .models import OutboxMessage, OutboxStatus


def enqueue(message: dict) -> OutboxMessage:
    """Store a validated envelope for the relay; the routing key is the message type; the trace is the
    current request's (`log_context`)."""
    return OutboxMessage.objects.create(
        message_id=message["message_id"], routing_key=message["type"], body=message, traceparent=TRACEPARENT.get() or ""
    )


def prune_sent(retention: timedelta) -> int:
    """Delete records confirmed by the broker longer than `retention` ago; return how many."""
    cutoff = timezone.now() - retention
    deleted, _ = OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted


def backlog() -> dict:
    """What waits to be published: count and age of the oldest pending record."""
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "pending": pending.count(),
        "oldest_pending_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else None,
        "sent": OutboxMessage.objects.filter(status=OutboxStatus.SENT).count(),
    }
