"""HTTP endpoints of events. Thin: validate input, call a selector or service, serialize."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from eventhub_common.pagination import CursorPagination
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.limits import EventWriteThrottle
from core import conditional
from core.idempotency import idempotent
from core.openapi import (
    ETAG,
    FORBIDDEN,
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_PARAMETERS,
    IF_MATCH,
    IF_NONE_MATCH,
    NOT_FOUND,
    NOT_MODIFIED,
    PRECONDITION_FAILED,
    UNAUTHENTICATED,
    VALIDATION_ERROR,
    error_response,
)

from . import reads, selectors, services
from .serializers import EventFilterSerializer, EventSerializer

EVENT_EXAMPLE = OpenApiExample(
    "event",
    value={
        "title": "PyCon Berlin",
        "description": "Talks and sprints.",
        "location": "Berlin",
        "start_time": "2027-05-01T09:00:00Z",
        "end_time": "2027-05-01T18:00:00Z",
        "tags": ["python", "conference"],
        "max_attendees": 500,
        "status": "scheduled",
        "attachment_url": "https://example.com/agenda.pdf",
        "coordinates": {"type": "Point", "coordinates": [13.405, 52.52]},
    },
    request_only=True,
)
WRITES_LIMITED = error_response(
    "More than `EVENT_WRITE_RATE_LIMIT` (60 a minute) event writes by this user; see `Retry-After`.",
    "throttled",
    "Request was throttled. Expected available in 42 seconds.",
    429,
)
EVENT_ID = OpenApiParameter("event_id", str, OpenApiParameter.PATH, description="24-character hex ObjectId")


def takes_plain_json(request) -> bool:
    """Whether the client takes the plain JSON the read cache holds (not the browsable API, not `; indent=`)."""
    return isinstance(request.accepted_renderer, JSONRenderer) and ";" not in request.accepted_media_type


def answer(request, read: reads.Rendered) -> HttpResponse:
    """A read with its ETag: `304` when `If-None-Match` names it, `412` when `If-Match` names another."""
    conditional.require_match(request.headers.get("If-Match"), read.etag)
    response = HttpResponse(read.body, content_type=JSONRenderer.media_type)
    response["ETag"] = read.etag
    return get_conditional_response(request, etag=read.etag, response=response)


class EventCursorPagination(CursorPagination):
    """Ordered by start time; no collection count on any page."""

    ordering = ("start_time", "id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class EventListCreateApi(APIView):
    pagination_class = EventCursorPagination
    throttle_classes = [EventWriteThrottle]

    @extend_schema(
        tags=["events"],
        summary="List events",
        parameters=[EventFilterSerializer, IF_NONE_MATCH, ETAG],
        responses={
            200: EventSerializer(many=True),
            304: NOT_MODIFIED,
            400: VALIDATION_ERROR,
            401: UNAUTHENTICATED,
        },
    )
    def get(self, request):
        if not takes_plain_json(request):
            return Response(reads.page_data(request, self, reads.validated_filters(request)))
        return answer(request, reads.event_page(request=request, view=self))

    @extend_schema(
        tags=["events"],
        summary="Create an event",
        request=EventSerializer,
        examples=[EVENT_EXAMPLE],
        parameters=IDEMPOTENCY_PARAMETERS,
        responses={
            201: EventSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 429: WRITES_LIMITED, **IDEMPOTENCY_ERRORS
        },
    )
    @idempotent
    def post(self, request):
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_create(user=request.user, data=serializer.validated_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


WRITE_ERRORS = {
    400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 412: PRECONDITION_FAILED, 429: WRITES_LIMITED
}


@extend_schema_view(
    get=extend_schema(
        summary="Get an event",
        parameters=[IF_NONE_MATCH, ETAG],
        responses={200: EventSerializer, 304: NOT_MODIFIED, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    ),
    put=extend_schema(
        summary="Replace an event (creator only)",
        request=EventSerializer,
        examples=[EVENT_EXAMPLE],
        parameters=[IF_MATCH, ETAG],
        responses={200: EventSerializer, **WRITE_ERRORS},
    ),
    patch=extend_schema(
        summary="Change some fields of an event (creator only)",
        request=EventSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: EventSerializer, **WRITE_ERRORS},
    ),
    delete=extend_schema(
        summary="Delete an event (creator only)",
        parameters=[IF_MATCH],
        responses={204: None, **{code: WRITE_ERRORS[code] for code in (401, 403, 404, 412, 429)}},
    ),
)
@extend_schema(tags=["events"], parameters=[EVENT_ID])
class EventDetailApi(APIView):
    throttle_classes = [EventWriteThrottle]

    def get(self, request, event_id):
        if not takes_plain_json(request):
            return Response(EventSerializer(selectors.event_get(event_id)).data)
        return answer(request, reads.event_detail(event_id=event_id))

    def put(self, request, event_id):
        return self._update(request, event_id, partial=False)

    def patch(self, request, event_id):
        return self._update(request, event_id, partial=True)

    def delete(self, request, event_id):
        event = selectors.event_get(event_id)
        services.event_delete(event=event, user=request.user, if_match=request.headers.get("If-Match"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, event_id, *, partial):
        event = selectors.event_get(event_id)
        services.ensure_can_modify(event, request.user)
        serializer = EventSerializer(event, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        event = services.event_update(
            event=event, user=request.user, data=serializer.validated_data, if_match=request.headers.get("If-Match")
        )
        data = EventSerializer(event).data
        return Response(data, headers={"ETag": reads.rendered(data).etag})
