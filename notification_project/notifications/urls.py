from django.urls import path

from . import views

urlpatterns = [
    path("", views.NotificationListApi.as_view(), name="notification-list"),
    path("read-all/", views.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("<str:notification_id>/read/", views.NotificationReadApi.as_view(), name="notification-read"),
]
