"""Admin for inspecting events."""

from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "location", "start_time", "end_time", "status", "created_by"]
    list_filter = ["status"]
    search_fields = ["title"]
    ordering = ["start_time"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["created_by"]
