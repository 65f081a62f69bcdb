"""HTTP endpoints of events. Thin: validate input, call a selector or service, serialize."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR

from . import list_chunks, read_cache, selectors, services
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
EVENT_ID = OpenApiParameter("event_id", str, OpenApiParameter.PATH, description="24-character hex ObjectId")


def takes_plain_json(request) -> bool:
    return isinstance(request.accepted_renderer, JSONRenderer) and ";" not in request.accepted_media_type


def rendered(request, data):
    """`data` answered as `cached_read` answers a miss: JSON bytes for plain JSON, DRF's rendering otherwise."""
    if not takes_plain_json(request):
        return Response(data)
    return HttpResponse(JSONRenderer().render(data), content_type=JSONRenderer.media_type)


def cached_read(request, keys, build_data):
    """Answer a read from the read cache when the client takes plain JSON; the browsable API renders afresh.

    `build_data()` returns the data and, for a list page, its span (`read_cache.list_span`).
    """
    if not takes_plain_json(request):
        return Response(build_data()[0])

    def build():
        data, span = build_data()
        return JSONRenderer().render(data), span

    return HttpResponse(read_cache.cached_json(keys, build), content_type=JSONRenderer.media_type)


class EventCursorPagination(CursorPagination):
    """Ordered by start time; no collection count on any page."""

    ordering = ("start_time", "id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class EventListCreateApi(APIView):
    pagination_class = EventCursorPagination

    @extend_schema(
        tags=["events"],
        summary="List events",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def get(self, request):
        paginator = self.pagination_class()
        if list_chunks.answers(request, paginator):
            rows = list_chunks.page_from_chunk(request, paginator, self, user=request.user, filters=self._filters(request))
            if rows is not None:
                return rendered(request, paginator.get_paginated_response(rows).data)
        return cached_read(request, read_cache.list_keys(request, request.user.pk), lambda: self._page(request))

    @staticmethod
    def _filters(request) -> dict:
        filters = EventFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    def _page(self, request) -> tuple[dict, tuple[float, float]]:
        """The page's data and its span (`read_cache.list_span`): a first page depends on the start times
        from its `start_after` to its last row's when more follow, else to its `start_before`."""
        filters = self._filters(request)
        events = selectors.event_list(user=request.user, filters=filters)
        paginator = self.pagination_class()
        page = selectors.with_creators(paginator.paginate_queryset(events, request, view=self))
        data = paginator.get_paginated_response(EventSerializer(page, many=True).data).data
        if paginator.cursor_query_param in request.query_params:
            return data, read_cache.list_span()
        return data, read_cache.first_page_span(filters, page[-1].start_time if page and paginator.has_next else None)

    @extend_schema(
        tags=["events"],
        summary="Create an event",
        request=EventSerializer,
        examples=[EVENT_EXAMPLE],
        responses={201: EventSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_create(user=request.user, data=serializer.validated_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Get an event", responses={200: EventSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND}),
    put=extend_schema(
        summary="Replace an event (creator only)",
        request=EventSerializer,
        examples=[EVENT_EXAMPLE],
        responses={200: EventSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    patch=extend_schema(
        summary="Change some fields of an event (creator only)",
        request=EventSerializer,
        responses={200: EventSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    delete=extend_schema(
        summary="Delete an event (creator only)",
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["events"], parameters=[EVENT_ID])
class EventDetailApi(APIView):
    def get(self, request, event_id):
        object_id = selectors.parse_event_id(event_id)
        return cached_read(
            request, read_cache.detail_keys(object_id), lambda: (EventSerializer(selectors.event_get(object_id)).data, None)
        )

    def put(self, request, event_id):
        return self._update(request, event_id, partial=False)

    def patch(self, request, event_id):
        return self._update(request, event_id, partial=True)

    def delete(self, request, event_id):
        services.event_delete(event=selectors.event_get(event_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, event_id, *, partial):
        event = selectors.event_get(event_id)
        services.ensure_can_modify(event, request.user)
        serializer = EventSerializer(event, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        event = services.event_update(event=event, user=request.user, data=serializer.validated_data)
        return Response(EventSerializer(event).data)
