"""Read queries for users: the user behind an access token, cached briefly in the shared cache.

Every authenticated request needs its user, and reading it from MongoDB was one
of the three queries of an event detail (docs/performance.md). The user is
kept in the shared cache (Redis: every worker and node sees the same entry) for
USER_CACHE_SECONDS, and the entry is dropped whenever the user is saved or
deleted (receivers in accounts.apps), so a deactivation or deletion counts from
the next request. The one window left: a request that read the user just before
the change may store the old copy; USER_CACHE_SECONDS bounds it. When the cache
does not answer, the database does.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from core.db import parse_object_id

logger = logging.getLogger(__name__)


def user_cache_key(user_id) -> str:
    """The shared-cache key of a user's cached copy (a pickled `User`)."""
    return f"accounts:user:{user_id}"


def active_user(user_id: str):
    """The active user with this id, or None (unknown, malformed id, or deactivated)."""
    object_id = parse_object_id(user_id)
    if object_id is None:
        return None
    user = None
    try:
        user = cache.get(user_cache_key(object_id))
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        logger.warning("user cache unavailable", exc_info=True)
    if user is None:
        # By _id alone, is_active checked below: SecantusDB scans for `{$and: [{is_active}, {_id}]}`.
        user = get_user_model().objects.filter(pk=object_id).order_by().first()
        if user is None:
            return None
        try:
            cache.set(user_cache_key(object_id), user, settings.USER_CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("user cache unavailable", exc_info=True)
    return user if user.is_active else None


def users_by_id(user_ids) -> dict:
    """{id: user} for these ids (active or not), from the cache where it has them, else one `$in` query."""
    keys = {user_cache_key(user_id): user_id for user_id in user_ids}
    try:
        users = {user.pk: user for user in cache.get_many(list(keys)).values()}
    except Exception:  # noqa: BLE001
        logger.warning("user cache unavailable", exc_info=True)
        users = {}
    missing = [user_id for user_id in user_ids if user_id not in users]
    if missing:
        found = {user.pk: user for user in get_user_model().objects.filter(pk__in=missing).order_by()}
        users.update(found)
        try:
            cache.set_many({user_cache_key(pk): user for pk, user in found.items()}, settings.USER_CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("user cache unavailable", exc_info=True)
    return users


def forget_user(sender, instance, **kwargs) -> None:
    """Signal receiver: drop the cached copy of a saved or deleted user."""
    cache.delete(user_cache_key(instance.pk))
