from django.urls import path

from . import attachment_views, views
from .read_cache import list_keys
from .read_fast_path import detail_keys, serve_current_copies

urlpatterns = [
    path("", serve_current_copies(views.EventListCreateApi.as_view(), list_keys), name="event-list"),
    path("<str:event_id>/", serve_current_copies(views.EventDetailApi.as_view(), detail_keys), name="event-detail"),
    path("<str:event_id>/attachment/", attachment_views.EventAttachmentApi.as_view(), name="event-attachment"),
    path(
        "<str:event_id>/attachment/confirm/",
        attachment_views.EventAttachmentConfirmApi.as_view(),
        name="event-attachment-confirm",
    ),
]
