"""Users whose access tokens this service refuses, learned from `user.*` messages (it has no user table)."""

from django.db import models


class RevokedUser(models.Model):
    """A deactivated or deleted user: their tokens are refused (REST 401, WebSocket handshake refused) and
    their open sockets closed. A reactivation removes the row."""

    class Reason(models.TextChoices):
        DEACTIVATED = "deactivated", "Deactivated"
        DELETED = "deleted", "Deleted"

    user_id = models.CharField(max_length=24, unique=True)
    username = models.CharField(max_length=150)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    revoked_at = models.DateTimeField()

    class Meta:
        # Looked up by user_id for every request; SecantusDB does not use the partial unique index for it.
        indexes = [models.Index(fields=["user_id"], name="revokeduser_user_id")]

    def __str__(self):
        return f"{self.username} ({self.reason})"
