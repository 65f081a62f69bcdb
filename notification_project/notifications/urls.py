from django.urls import path

from . import views

urlpatterns = [
    path("", views.NotificationListApi.as_view(), name="notification-list"),
    path("counts/", views.NotificationCountsApi.as_view(), name="notification-counts"),
    path("read-all/", views.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("seen/", views.NotificationSeenApi.as_view(), name="notification-seen"),
    path("<str:notification_id>/read/", views.NotificationReadApi.as_view(), name="notification-read"),
    path("<str:notification_id>/archive/", views.NotificationArchiveApi.as_view(), name="notification-archive"),
]
