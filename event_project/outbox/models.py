"""One outbox record per message, written in the same transaction as the change it describes."""

from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"


class OutboxMessage(models.Model):
    """A message waiting for (or past) its broker confirm."""

    message_id = models.CharField(max_length=36, unique=True)
    routing_key = models.CharField(max_length=100)
    body = models.JSONField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # W3C trace context of the request that wrote it; the relay publishes it as an AMQP header.
    traceparent = models.CharField(max_length=55, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at", "id"], name="outbox_status_created"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self):
        return f"{self.routing_key} {self.message_id} ({self.status})"


class RelayLease(models.Model):
    """Which relay process publishes now, until when, and where its change stream stopped.

    Only the lease holder publishes, so several relays can run (for
    availability) without publishing a record twice in normal operation.
    """

    name = models.CharField(max_length=50, unique=True)
    owner = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True)
    resume_token = models.JSONField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} held by {self.owner or 'nobody'}"
