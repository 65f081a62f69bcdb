"""History, read, seen and archived state, and counts over REST. Thin: selectors and services do the work."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from eventhub_common.api_docs import NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR
from eventhub_common.pagination import CursorPagination
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import inbox, selectors, services
from .serializers import CountsSerializer, NotificationSerializer, ReadAllSerializer, SeenSerializer

NOTIFICATION_ID = OpenApiParameter("notification_id", str, OpenApiParameter.PATH)


class HistoryPagination(CursorPagination):
    ordering = "-seq"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class HistoryFilters(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notifications.")
    archived = serializers.BooleanField(
        required=False, default=False, help_text="Only archived notifications (without it, archived ones are left out)."
    )


def _item(user_id: str, notification) -> dict:
    context = {"flags": selectors.item_flags(user_id, [notification])}
    return NotificationSerializer(notification, context=context).data


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
        notifications = selectors.inbox_listing(request.user.id, **filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notifications, request, view=self)
        context = {"flags": selectors.item_flags(request.user.id, page)}
        return paginator.get_paginated_response(NotificationSerializer(page, many=True, context=context).data)


class NotificationCountsApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="My unread and unseen counts (the badge)",
        responses={200: CountsSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request):
        counts = inbox.counts(request.user.id)
        return Response({"unread": counts.unread, "unseen": counts.unseen})


class NotificationReadApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark one notification read",
        parameters=[NOTIFICATION_ID],
        request=None,
        responses={200: NotificationSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def post(self, request, notification_id):
        return Response(_item(request.user.id, services.mark_read(request.user.id, notification_id)))


class NotificationArchiveApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Archive one notification (history leaves it out; its read state stays)",
        parameters=[NOTIFICATION_ID],
        request=None,
        responses={200: NotificationSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def post(self, request, notification_id):
        return Response(_item(request.user.id, services.set_archived(request.user.id, notification_id, archived=True)))

    @extend_schema(
        tags=["notifications"],
        summary="Unarchive one notification",
        parameters=[NOTIFICATION_ID],
        responses={200: NotificationSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def delete(self, request, notification_id):
        return Response(_item(request.user.id, services.set_archived(request.user.id, notification_id, archived=False)))


class NotificationReadAllApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark everything read",
        request=None,
        responses={200: ReadAllSerializer, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        return Response({"read_through": services.mark_all_read(request.user.id)})


class NotificationSeenApi(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark everything so far seen (the unseen count clears)",
        request=None,
        responses={200: SeenSerializer, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        return Response({"seen_through": services.mark_seen(request.user.id)})
