"""Event model signals: thin hand-offs to `publishing`, inside the write's transaction."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Event
from .publishing import EVENT_CREATED, EVENT_DELETED, EVENT_UPDATED, record_event_change


@receiver(post_save, sender=Event, dispatch_uid="events.event_saved")
def event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs):
    if raw:  # loaddata: not a change that happened in the system
        return
    if created:
        record_event_change(instance, EVENT_CREATED)
    else:
        record_event_change(instance, EVENT_UPDATED, instance.changed_fields())


@receiver(post_delete, sender=Event, dispatch_uid="events.event_deleted")
def event_deleted(sender, instance: Event, **kwargs):
    record_event_change(instance, EVENT_DELETED)
