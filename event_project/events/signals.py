"""Event model signals: thin hand-offs to `publishing` and `reads`, inside the write's transaction."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import reads
from .models import Event
from .publishing import EVENT_CREATED, EVENT_DELETED, EVENT_UPDATED, record_event_change
from .selectors import event_ids_created_by


@receiver(post_save, sender=Event, dispatch_uid="events.event_saved")
def event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs):
    if raw:  # loaddata: not a change that happened in the system
        return
    if created:
        record_event_change(instance, EVENT_CREATED)
    else:
        record_event_change(instance, EVENT_UPDATED, instance.changed_fields())
    reads.events_changed([instance.pk])


@receiver(post_delete, sender=Event, dispatch_uid="events.event_deleted")
def event_deleted(sender, instance: Event, **kwargs):
    record_event_change(instance, EVENT_DELETED)
    reads.events_changed([instance.pk])


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="events.creator_saved")
def creator_saved(sender, instance, created: bool, raw: bool = False, update_fields=None, **kwargs):
    """Events show their creator's username: a renamed creator retires the copies of their events."""
    if raw or created or (update_fields is not None and "username" not in update_fields):
        return
    reads.events_changed(event_ids_created_by(instance))
