"""Read queries for users: the user behind an access token, kept in the shared cache.

Every authenticated request needs its user, and reading it from MongoDB was one
of the three queries of an event detail (docs/performance.md). A small JSON
record of the user (id, username, is_active: never the password hash) is kept in
the shared cache (Redis: every worker and node sees the same entry) for
USER_CACHE_SECONDS. A user read from it is a model instance with only those
fields loaded; any other field is fetched from MongoDB when first used, as with
Django's `only()`. Saving or deleting a user replaces its entry
with a new marker (a random integer, receivers in accounts.apps), so the change
counts from the next request. A reader stores what it read from the database
only if the entry is still the one it saw before that read (a compare-and-set),
so a reader that read the user just before a change cannot store the old copy
over the change's marker; the first reader after the marker stores the new one.
When the cache does not answer, the database does.
"""

import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from core.db import parse_object_id

logger = logging.getLogger(__name__)


CACHED_FIELDS = ("id", "username", "is_active")


def user_cache_key(user_id) -> str:
    """The shared-cache key of a user's cached record (`CACHED_FIELDS`, as JSON)."""
    return f"accounts:user:{user_id}"


def cached_user(entry):
    """The user in a cache entry read under `user_cache_key`, or None (no entry, or a change's marker)."""
    if not isinstance(entry, dict) or set(entry) != set(CACHED_FIELDS):
        return None
    user_id = parse_object_id(entry["id"])
    if user_id is None:
        return None
    return get_user_model().from_db("default", CACHED_FIELDS, (user_id, entry["username"], entry["is_active"]))


def _record(user) -> dict:
    return {"id": str(user.pk), "username": user.username, "is_active": user.is_active}


def active_user(user_id: str):
    """The active user with this id, or None (unknown, malformed id, or deactivated)."""
    object_id = parse_object_id(user_id)
    if object_id is None:
        return None
    entry = None
    try:
        entry = cache.get(user_cache_key(object_id))
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("user cache unavailable (%s: %s)", exc.__class__.__name__, exc)
    user = cached_user(entry)
    if user is None:
        # By _id alone, is_active checked below: SecantusDB scans for `{$and: [{is_active}, {_id}]}`.
        user = get_user_model().objects.filter(pk=object_id).order_by().first()
        if user is None:
            return None
        _store({object_id: (entry, user)})
    return user if user.is_active else None


def user_profile(user):
    """Every field of `user` (a cached user has only CACHED_FIELDS), in one query."""
    return get_user_model().objects.filter(pk=user.pk).order_by().first() or user


def users_by_id(user_ids) -> dict:
    """{id: user} for these ids (active or not), from the cache where it has them, else one `$in` query."""
    entries = {}
    try:
        entries = cache.get_many([user_cache_key(user_id) for user_id in user_ids])
    except Exception as exc:  # noqa: BLE001
        logger.warning("user cache unavailable (%s: %s)", exc.__class__.__name__, exc)
    users = {user.pk: user for user in map(cached_user, entries.values()) if user is not None}
    missing = [user_id for user_id in user_ids if user_id not in users]
    if missing:
        found = {user.pk: user for user in get_user_model().objects.filter(pk__in=missing).order_by()}
        users.update(found)
        _store({pk: (entries.get(user_cache_key(pk)), user) for pk, user in found.items()})
    return users


def _store(users: dict) -> None:
    """Cache users read from the database, `{id: (entry seen before the read, user)}`, each only if its entry
    is still the one seen: never over a change made since."""
    if not users or settings.USER_CACHE_SECONDS <= 0:
        return
    items = {
        user_cache_key(pk): (seen if isinstance(seen, int) else None, _record(user), settings.USER_CACHE_SECONDS)
        for pk, (seen, user) in users.items()
    }
    try:
        cache.set_many_if_unchanged(items)
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("user cache unavailable (%s: %s)", exc.__class__.__name__, exc)


def forget_user(sender, instance, **kwargs) -> None:
    """Signal receiver: replace a saved or deleted user's entry with a new marker, so that no copy read before
    the change is served or stored after it."""
    # The marker must outlive a reader's read and store; a user entry never outlives USER_CACHE_SECONDS.
    cache.set_many_eventually({user_cache_key(instance.pk): secrets.randbits(62)}, max(settings.USER_CACHE_SECONDS, 60))
