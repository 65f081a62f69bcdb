"""HTTP endpoints of calendars. Thin: call a selector or service, answer with an iCalendar file or the feed URL.

The `.ics` answers are plain Django responses (not DRF's renderers); their errors take the API's error shape.
"""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import NOT_FOUND, UNAUTHENTICATED
from events import selectors as events
from events.views import EVENT_ID

from . import ics, selectors, services

CALENDAR = {(200, "text/calendar"): OpenApiTypes.STR}
SECRET = OpenApiParameter("secret", str, OpenApiParameter.PATH, description="From `POST /api/calendar/feed/`")


class CalendarNegotiation(BaseContentNegotiation):
    """Whatever `Accept` says (a calendar app may ask for text/calendar only): errors are JSON, never a 406."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CalendarFileApi(APIView):
    """Base of the `.ics` endpoints."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = CalendarNegotiation

    def calendar_response(self, events, *, name: str) -> HttpResponse:
        return HttpResponse(ics.calendar_file(events, name=name), content_type=ics.MEDIA_TYPE)


class EventCalendarApi(CalendarFileApi):
    @extend_schema(
        tags=["calendar"],
        summary="An event as an iCalendar file (RFC 5545)",
        operation_id="events_calendar_retrieve",
        parameters=[EVENT_ID],
        responses={**CALENDAR, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request, event_id):
        event = events.event_get(event_id)
        return self.calendar_response([event], name=event.title)


class FeedCalendarApi(CalendarFileApi):
    """The secret URL is the credential: calendar apps subscribe without headers."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["calendar"],
        summary="My calendar feed: the events I attend (going or waitlisted), no authentication",
        operation_id="calendar_feed_file_retrieve",
        auth=[],
        parameters=[SECRET],
        responses={**CALENDAR, 404: NOT_FOUND},
    )
    def get(self, request, secret):
        user = selectors.feed_owner(secret)
        response = self.calendar_response(selectors.feed_events(user), name="EventHub")
        # Personal, and a revoked URL must stop working: no shared cache may keep a copy.
        patch_cache_control(response, private=True, no_cache=True)
        return response


class FeedUrlSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Subscribe to it in a calendar app; it works until renewed or revoked.")


class CalendarFeedApi(APIView):
    @extend_schema(
        tags=["calendar"],
        summary="A new secret URL of my calendar feed (the previous one stops working)",
        request=None,
        responses={201: FeedUrlSerializer, 401: UNAUTHENTICATED},
    )
    def post(self, request):
        secret = services.feed_renew(user=request.user)
        url = request.build_absolute_uri(reverse("calendar-feed-file", args=[secret]))
        return Response(FeedUrlSerializer({"url": url}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["calendar"],
        summary="Revoke my calendar feed's URL (idempotent)",
        responses={204: None, 401: UNAUTHENTICATED},
    )
    def delete(self, request):
        services.feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
