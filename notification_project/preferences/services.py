"""Changing preferences. Each change holds from the next notification number on (`inbox.hold_numbering`):
what was stored before stays; open sockets are told to reload (`realtime.push.tell_user`)."""

from django.db import IntegrityError
from eventhub_common.mongo_transactions import transactional

from core.exceptions import NotFound
from notifications.inbox import counters, hold_numbering, raise_muted
from realtime.push import tell_user
from registry.services import live_event

from .models import EventMute, Preference
from .selectors import preference_of

PREFERENCES_CHANGED = "preferences.changed"


def _open(hidden: list[dict], creator: str | None, start: int) -> None:
    hidden.append({"creator": creator, "from": start, "to": None})


def _close(hidden: list[dict], creator: str | None, start: int) -> None:
    """End the running range of `creator`; one that hid nothing yet is dropped."""
    for index, entry in enumerate(hidden):
        if entry["creator"] == creator and entry["to"] is None:
            if entry["from"] == start:
                del hidden[index]
            else:
                entry["to"] = start
            return


@transactional(attempts=20)
def _save(user_id: str, mute_created: bool, muted_creators: list[str]) -> tuple[Preference, bool]:
    hold_numbering()
    latest, broadcasts = counters()
    start = latest + 1
    preference = preference_of(user_id)
    before = (preference.mute_created, sorted(preference.muted_creators))
    if mute_created and not preference.mute_created:
        preference.created_muted_at_broadcasts = broadcasts
        _open(preference.hidden, None, start)
    elif preference.mute_created and not mute_created:
        raise_muted(user_id, broadcasts - preference.created_muted_at_broadcasts)  # what the running mute hid, now kept
        _close(preference.hidden, None, start)
    old, new = set(preference.muted_creators), set(muted_creators)
    for creator in sorted(new - old):
        _open(preference.hidden, creator, start)
    for creator in sorted(old - new):
        _close(preference.hidden, creator, start)
    preference.mute_created, preference.muted_creators = mute_created, sorted(new)
    changed = before != (preference.mute_created, preference.muted_creators)
    if changed:
        preference.save()
    return preference, changed


def save_preferences(user_id: str, mute_created: bool, muted_creators: list[str]) -> Preference:
    try:
        preference, changed = _save(user_id, mute_created, muted_creators)
    except IntegrityError:  # the user's first preferences, saved concurrently: now there, so update them
        preference, changed = _save(user_id, mute_created, muted_creators)
    if changed:
        tell_user(user_id, PREFERENCES_CHANGED)
    return preference


@transactional(attempts=20)
def _mute(user_id: str, event_id: str) -> bool:
    hold_numbering()
    if EventMute.objects.filter(user_id=user_id, event_id=event_id).exists():
        return False
    EventMute.objects.create(user_id=user_id, event_id=event_id)
    return True


def mute_event(user_id: str, event_id: str) -> bool:
    """Stop the event's updates and deletion reaching the user (idempotent); whether the mute is new. An
    unknown or deleted event: NotFound."""
    if live_event(event_id) is None:
        raise NotFound("No such event (unknown or deleted).")
    try:
        return _mute(user_id, event_id)
    except IntegrityError:  # muted concurrently
        return False


@transactional(attempts=20)
def unmute_event(user_id: str, event_id: str) -> bool:
    hold_numbering()
    deleted, _ = EventMute.objects.filter(user_id=user_id, event_id=event_id).delete()
    return bool(deleted)
