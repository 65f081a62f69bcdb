from django.urls import path

from . import views

urlpatterns = [
    path("feed/", views.CalendarFeedApi.as_view(), name="calendar-feed"),
    path("<str:secret>.ics", views.FeedCalendarApi.as_view(), name="calendar-feed-file"),
]
