from django.contrib import admin

from .models import KnownEvent


@admin.register(KnownEvent)
class KnownEventAdmin(admin.ModelAdmin):
    list_display = ["title", "event_id", "creator_username", "deleted", "last_message_at"]
    list_filter = ["deleted"]
    search_fields = ["event_id", "title"]
