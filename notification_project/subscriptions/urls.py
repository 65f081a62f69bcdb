from django.urls import path

from . import views

urlpatterns = [
    path("events/<str:event_id>/subscription/", views.SubscriptionApi.as_view(), name="subscription"),
    path("subscriptions/", views.SubscriptionListApi.as_view(), name="subscription-list"),
]
