"""Reading preferences: who muted which event, which broadcasts a user's history leaves out."""

import functools
import operator

from django.db.models import Q

from .models import EventMute, Preference


def muters_by_event(event_ids: list[str]) -> dict[str, set[str]]:
    muters: dict[str, set[str]] = {}
    for user_id, event_id in EventMute.objects.filter(event_id__in=set(event_ids)).order_by().values_list("user_id", "event_id"):
        muters.setdefault(event_id, set()).add(user_id)
    return muters


def preference_of(user_id: str) -> Preference:
    """The user's preferences as stored, or the defaults (not saved)."""
    return Preference.objects.filter(user_id=user_id).first() or Preference(user_id=user_id)


def muted_event_ids(user_id: str) -> list[str]:
    return list(EventMute.objects.filter(user_id=user_id).order_by("event_id").values_list("event_id", flat=True))


def hidden_broadcasts(preference: Preference) -> Q | None:
    """The broadcasts the preference has hidden so far, as a condition on notifications (None: none)."""
    ranges = []
    for hidden in preference.hidden:
        condition = Q(seq__gte=hidden["from"])
        if hidden["to"] is not None:
            condition &= Q(seq__lt=hidden["to"])
        if hidden["creator"] is not None:
            condition &= Q(actor_username=hidden["creator"])
        ranges.append(condition)
    return functools.reduce(operator.or_, ranges) if ranges else None
