"""HTTP endpoints of attendance. Thin: call a selector or service, serialize."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.limits import EventWriteThrottle
from accounts.selectors import users_by_id
from core.exceptions import Forbidden
from core.idempotency import idempotent
from core.openapi import (
    FORBIDDEN,
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_PARAMETERS,
    INVALID_IDEMPOTENCY_KEY,
    NOT_FOUND,
    UNAUTHENTICATED,
    error_response,
)
from events import selectors as events
from events.views import EVENT_ID, WRITES_LIMITED

from . import selectors, services
from .serializers import AttendanceStateSerializer, AttendeeSerializer

EVENT_CLOSED = error_response(
    "The event is canceled, completed or has started: it takes no new attendance (or, with an "
    "`Idempotency-Key`, `idempotency_key_in_flight`: the first request with that key still runs).",
    "event_closed",
    "This event takes no new attendance (canceled, completed or started).",
    409,
)


@extend_schema(tags=["attendance"], parameters=[EVENT_ID])
class AttendanceApi(APIView):
    throttle_classes = [EventWriteThrottle]

    @extend_schema(
        summary="My attendance of an event",
        responses={200: AttendanceStateSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request, event_id):
        event = events.event_get(event_id)
        return Response(selectors.state_of(selectors.attendance_of(event.pk, request.user)).as_dict())

    @extend_schema(
        summary="Attend an event (going while seats are free, else waitlisted)",
        request=None,
        parameters=IDEMPOTENCY_PARAMETERS,
        responses={
            200: AttendanceStateSerializer, 201: AttendanceStateSerializer, 400: INVALID_IDEMPOTENCY_KEY,
            401: UNAUTHENTICATED, 404: NOT_FOUND, 409: EVENT_CLOSED,
            422: IDEMPOTENCY_ERRORS[422], 429: WRITES_LIMITED,
        },
    )
    @idempotent
    def post(self, request, event_id):
        state, created = services.attend(event_id=event_id, user=request.user)
        return Response(state.as_dict(), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Leave an event (idempotent); a freed seat goes to the waiting list",
        responses={204: None, 401: UNAUTHENTICATED, 404: NOT_FOUND, 429: WRITES_LIMITED},
    )
    def delete(self, request, event_id):
        services.leave(event_id=event_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttendeePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(tags=["attendance"], parameters=[EVENT_ID])
class AttendeeListApi(APIView):
    pagination_class = AttendeePagination

    @extend_schema(
        summary="An event's attendees: going, then the waiting list in order (creator only)",
        responses={200: AttendeeSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, event_id):
        event = events.event_get(event_id)
        if event.created_by_id != request.user.pk:
            raise Forbidden("Only the event's creator may list its attendees.")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.attendees(event.pk), request, view=self)
        users = users_by_id(list({attendance.user_id for attendance in page}))
        rows = [
            {"username": users[a.user_id].username, "status": a.status, "position": position, "since": a.since}
            for a, position in selectors.with_positions(page)
        ]
        return paginator.get_paginated_response(AttendeeSerializer(rows, many=True).data)
