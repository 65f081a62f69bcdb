from django.urls import path

from . import views

urlpatterns = [
    path("", views.EventListCreateApi.as_view(), name="event-list"),
    path("<str:event_id>/", views.EventDetailApi.as_view(), name="event-detail"),
]
