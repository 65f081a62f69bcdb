"""Subscriptions over REST."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from eventhub_common.api_docs import INVALID_CURSOR, NOT_FOUND, UNAUTHENTICATED, error_response
from eventhub_common.pagination import CursorPagination
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Subscription
from .serializers import SubscriptionSerializer

TOO_MANY_SUBSCRIPTIONS = error_response(
    "The user follows `SUBSCRIPTIONS_PER_USER` (1,000) events already.",
    "too_many_subscriptions",
    "At most 1000 subscriptions per user.",
    409,
)

EVENT_ID = OpenApiParameter("event_id", str, OpenApiParameter.PATH, description="24-character hex ObjectId")


class SubscriptionApi(APIView):
    @extend_schema(
        tags=["subscriptions"],
        summary="Subscribe to an event's updates and deletion",
        parameters=[EVENT_ID],
        request=None,
        responses={
            201: SubscriptionSerializer, 200: SubscriptionSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND, 409: TOO_MANY_SUBSCRIPTIONS
        },
    )
    def post(self, request, event_id):
        subscription, created = services.subscribe(request.user.id, event_id)
        return Response(
            SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        tags=["subscriptions"],
        summary="Unsubscribe",
        parameters=[EVENT_ID],
        responses={204: None, 401: UNAUTHENTICATED},
    )
    def delete(self, request, event_id):
        services.unsubscribe(request.user.id, event_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionPagination(CursorPagination):
    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SubscriptionListApi(APIView):
    pagination_class = SubscriptionPagination  # also how the schema learns the page's shape

    @extend_schema(
        tags=["subscriptions"], summary="My subscriptions", responses={200: SubscriptionSerializer(many=True), 400: INVALID_CURSOR, 401: UNAUTHENTICATED}
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(Subscription.objects.filter(user_id=request.user.id), request, view=self)
        return paginator.get_paginated_response(SubscriptionSerializer(page, many=True).data)
