"""A user's calendar feed: the hash of the secret in its URL (the secret itself is never stored)."""

import hashlib

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """One per user; renewing it replaces `secret_hash`, so the previous URL stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    secret_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the URL's secret
    issued_at = models.DateTimeField(auto_now=True)  # when the current secret was issued

    class Meta:
        # Plain indexes beside the partial unique ones, which SecantusDB does not use for equality (decision 57).
        indexes = [
            models.Index(fields=["secret_hash"], name="calendar_feed_secret_hash"),
            models.Index(fields=["user"], name="calendar_feed_user"),
        ]

    def __str__(self):
        return f"calendar feed of {self.user_id}"


def hash_secret(secret: str) -> str:
    """What is stored of a feed secret, and looked up to find it."""
    return hashlib.sha256(secret.encode()).hexdigest()
