"""Applying a `user.*` message: revoke or restore the user's access (idempotent, so a redelivery is harmless)."""

from django.utils.dateparse import parse_datetime
from eventhub_common.messages import USER_DEACTIVATED, USER_DELETED, USER_REACTIVATED
from eventhub_common.mongo_transactions import transactional

from .models import RevokedUser


@transactional
def apply_user_change(message: dict) -> bool:
    """Record the change; True when the user's access is now revoked (their sockets must close)."""
    user = message["data"]
    if message["type"] == USER_REACTIVATED:
        # A deleted account does not come back; only a deactivation is undone.
        RevokedUser.objects.filter(user_id=user["id"], reason=RevokedUser.Reason.DEACTIVATED).delete()
        return False
    reason = {USER_DEACTIVATED: RevokedUser.Reason.DEACTIVATED, USER_DELETED: RevokedUser.Reason.DELETED}[message["type"]]
    revoked, created = RevokedUser.objects.get_or_create(
        user_id=user["id"],
        defaults={"username": user["username"], "reason": reason, "revoked_at": parse_datetime(message["occurred_at"])},
    )
    if not created and revoked.reason != RevokedUser.Reason.DELETED and reason == RevokedUser.Reason.DELETED:
        revoked.reason = reason
        revoked.save(update_fields=["reason"])
    return True
