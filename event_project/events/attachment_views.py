"""HTTP endpoints for event attachments: presign an upload, confirm it."""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.limits import EventWriteThrottle
from core.openapi import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR, error_response

from . import attachments, selectors
from .serializers import EventSerializer

UNAVAILABLE = error_response("S3 is not configured or not reachable.", "service_unavailable", "Attachments are not configured (S3_BUCKET is unset).", 503)


class PresignRequestSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=200)
    content_type = serializers.CharField(max_length=100)


class ConfirmRequestSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=500)


PresignResponse = inline_serializer(
    "AttachmentUpload",
    {
        "upload": inline_serializer("PresignedPost", {"url": serializers.URLField(), "fields": serializers.DictField()}),
        "key": serializers.CharField(),
        "max_bytes": serializers.IntegerField(),
        "content_type": serializers.CharField(),
        "expires_in": serializers.IntegerField(),
    },
)


class EventAttachmentApi(APIView):
    throttle_classes = [EventWriteThrottle]

    @extend_schema(
        tags=["events"],
        summary="Start an attachment upload (creator only)",
        description=(
            "Returns a presigned S3 POST: send a multipart/form-data POST to `upload.url` with every "
            "`upload.fields` entry and then the `file`. The policy fixes the key, content type and maximum "
            "size. Then call `attachment/confirm/` with the `key`."
        ),
        request=PresignRequestSerializer,
        examples=[OpenApiExample("pdf", value={"filename": "agenda.pdf", "content_type": "application/pdf"}, request_only=True)],
        responses={201: PresignResponse, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 503: UNAVAILABLE},
    )
    def post(self, request, event_id):
        event = selectors.event_get(event_id)
        body = PresignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = attachments.presign_upload(event=event, user=request.user, **body.validated_data)
        return Response(upload, status=status.HTTP_201_CREATED)


class EventAttachmentConfirmApi(APIView):
    throttle_classes = [EventWriteThrottle]

    @extend_schema(
        tags=["events"],
        summary="Confirm an uploaded attachment (creator only)",
        description="Checks the object exists within the policy and sets the event's `attachment_url`.",
        request=ConfirmRequestSerializer,
        responses={200: EventSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 503: UNAVAILABLE},
    )
    def post(self, request, event_id):
        event = selectors.event_get(event_id)
        body = ConfirmRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = attachments.confirm_upload(event=event, user=request.user, key=body.validated_data["key"])
        return Response(EventSerializer(event).data)
