"""Admin for inspecting events."""

from django.contrib import admin

from core.db import atomic

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "location", "start_time", "end_time", "status", "created_by"]
    list_filter = ["status"]
    search_fields = ["title"]
    ordering = ["start_time"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["created_by"]

    def delete_queryset(self, request, queryset):
        # Bulk deletes write their outbox records in the same transaction, like the API.
        with atomic():
            super().delete_queryset(request, queryset)
