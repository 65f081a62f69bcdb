"""Calendar feed use cases: issue a new secret feed URL, revoke it."""

import secrets

from core.db import transactional

from .models import CalendarFeed, hash_secret


@transactional
def feed_renew(*, user) -> str:
    """A new secret for the user's feed, replacing any previous one; only its hash is stored."""
    secret = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(user=user).delete()
    CalendarFeed.objects.create(user=user, secret_hash=hash_secret(secret))
    return secret


def feed_revoke(*, user) -> None:
    """The user's feed URL stops working; nothing to do when there is none."""
    CalendarFeed.objects.filter(user=user).delete()
