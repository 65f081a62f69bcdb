"""Admin for inspecting and managing users."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Permission

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "full_name", "role", "is_verified", "is_staff", "created_at"]
    list_filter = ["role", "is_verified", "is_staff", "is_active"]
    search_fields = ["username_key", "email_key", "full_name"]
    ordering = ["username_key"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["username", "email", "password"]}),
        ("Profile", {"fields": ["full_name", "role", "is_verified"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]})]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # Permission's default ordering sorts on content_type fields, which SecantusDB answers
            # with empty content types (docs/mongodb-compat.md #4); order on local fields instead.
            kwargs["queryset"] = Permission.objects.select_related("content_type").order_by("content_type_id", "codename")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
