from django.urls import path

from attendance import views as attendance_views
from calendars import views as calendar_views

from . import attachment_views, views

urlpatterns = [
    path("", views.EventListCreateApi.as_view(), name="event-list"),
    path("<str:event_id>/", views.EventDetailApi.as_view(), name="event-detail"),
    path("<str:event_id>/calendar.ics", calendar_views.EventCalendarApi.as_view(), name="event-calendar"),
    path("<str:event_id>/attendance/", attendance_views.AttendanceApi.as_view(), name="event-attendance"),
    path("<str:event_id>/attendees/", attendance_views.AttendeeListApi.as_view(), name="event-attendees"),
    path("<str:event_id>/attachment/", attachment_views.EventAttachmentApi.as_view(), name="event-attachment"),
    path(
        "<str:event_id>/attachment/confirm/",
        attachment_views.EventAttachmentConfirmApi.as_view(),
        name="event-attachment-confirm",
    ),
]
