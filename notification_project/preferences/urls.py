from django.urls import path

from . import views

urlpatterns = [
    path("notifications/preferences/", views.PreferencesApi.as_view(), name="notification-preferences"),
    path("events/<str:event_id>/mute/", views.EventMuteApi.as_view(), name="event-mute"),
]
