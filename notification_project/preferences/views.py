"""Preferences and event mutes over REST. Thin: selectors and services do the work."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from eventhub_common.api_docs import NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import EventMuteSerializer, PreferencesSerializer

EVENT_ID = OpenApiParameter("event_id", str, OpenApiParameter.PATH, description="24-character hex ObjectId")


def _preferences(user_id: str, preference) -> dict:
    return {
        "mute_created": preference.mute_created,
        "muted_creators": preference.muted_creators,
        "muted_events": selectors.muted_event_ids(user_id),
    }


class PreferencesApi(APIView):
    @extend_schema(tags=["preferences"], summary="My notification preferences", responses={200: PreferencesSerializer, 401: UNAUTHENTICATED})
    def get(self, request):
        return Response(_preferences(request.user.id, selectors.preference_of(request.user.id)))

    @extend_schema(
        tags=["preferences"],
        summary="Replace my notification preferences (from the next notification on)",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
    )
    def put(self, request):
        given = PreferencesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        preference = services.save_preferences(request.user.id, **given.validated_data)
        return Response(_preferences(request.user.id, preference))


class EventMuteApi(APIView):
    @extend_schema(
        tags=["preferences"],
        summary="Mute an event's updates and deletion (staying subscribed or attending)",
        parameters=[EVENT_ID],
        request=None,
        responses={201: EventMuteSerializer, 200: EventMuteSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def post(self, request, event_id):
        created = services.mute_event(request.user.id, event_id)
        return Response({"event_id": event_id, "muted": True}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(tags=["preferences"], summary="Unmute an event", parameters=[EVENT_ID], responses={204: None, 401: UNAUTHENTICATED})
    def delete(self, request, event_id):
        services.unmute_event(request.user.id, event_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
