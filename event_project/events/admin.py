"""Admin for inspecting events."""

from django.contrib import admin
from django.db import connection

from core.db import atomic

from .models import Event


class TagFilter(admin.SimpleListFilter):
    """Events with a tag, among the most used ones (one aggregation over the tags index's field)."""

    title = "tag"
    parameter_name = "tag"
    shown = 30

    def lookups(self, request, model_admin):
        counts = connection.database[Event._meta.db_table].aggregate(
            [{"$unwind": "$tags"}, {"$group": {"_id": "$tags", "n": {"$sum": 1}}}, {"$sort": {"n": -1, "_id": 1}}, {"$limit": self.shown}],
            session=connection.session,
        )
        return [(row["_id"], f"{row['_id']} ({row['n']})") for row in counts]

    def queryset(self, request, queryset):
        return queryset.filter(tags__has_element=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "location", "start_time", "end_time", "status", "created_by"]
    list_filter = ["status", ("start_time", admin.DateFieldListFilter), TagFilter]
    search_fields = ["title"]
    ordering = ["start_time"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["created_by"]

    def delete_queryset(self, request, queryset):
        # Bulk deletes write their outbox records in the same transaction, like the API.
        with atomic():
            super().delete_queryset(request, queryset)
