"""History and read state over REST. Thin: selectors and services do the work."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from eventhub_common.api_docs import NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR
from eventhub_common.pagination import CursorPagination
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import NotificationSerializer, ReadAllSerializer


class HistoryPagination(CursorPagination):
    ordering = "-seq"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class HistoryFilters(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notifications.")


class NotificationListApi(APIView):
    pagination_class = HistoryPagination  # also how the schema learns the page's shape

    @extend_schema(
        tags=["notifications"],
        summary="My notification history, newest first",
        parameters=[HistoryFilters],
        responses={200: NotificationSerializer(many=True), 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def get(self, request):
        filters = HistoryFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notifications = selectors.visible_to(request.user.id)
        if filters.validated_data["unread"]:
            notifications = selectors.unread_only(request.user.id, notifications)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notifications, request, view=self)
        context = {"read_flags": selectors.read_flags(request.user.id, page)}
        return paginator.get_paginated_response(NotificationSerializer(page, many=True, context=context).data)


class NotificationReadApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark one notification read",
        parameters=[OpenApiParameter("notification_id", str, OpenApiParameter.PATH)],
        request=None,
        responses={200: NotificationSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def post(self, request, notification_id):
        notification = services.mark_read(request.user.id, notification_id)
        context = {"read_flags": {notification.seq: True}}
        return Response(NotificationSerializer(notification, context=context).data)


class NotificationReadAllApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark everything read",
        request=None,
        responses={200: ReadAllSerializer, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        return Response({"read_through": services.mark_all_read(request.user.id)})
