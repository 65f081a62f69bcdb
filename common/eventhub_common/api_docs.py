"""OpenAPI pieces shared by every endpoint: the error shape and its common responses."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(
                    required=False, help_text="Validation errors: field name -> list of messages."
                ),
            },
        )
    },
)


def error_response(description: str, code: str, message: str, status: int, details=None) -> OpenApiResponse:
    body = {"status": status, "code": code, "message": message}
    if details is not None:
        body["details"] = details
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value={"error": body}, response_only=True, status_codes=[str(status)])],
    )


VALIDATION_ERROR = error_response(
    "Invalid input; `details` names each field.",
    "validation_error",
    "The request is invalid.",
    400,
    {"title": ["This field may not be blank."]},
)
UNAUTHENTICATED = error_response(
    "Missing, invalid or expired access token.", "not_authenticated", "Authentication credentials were not provided.", 401
)
INVALID_CURSOR = error_response(
    "A `cursor` this API did not give out.", "invalid_cursor",
    "The cursor is not one this API gave out; follow the `next` and `previous` links as given.", 400
)
FORBIDDEN = error_response("Not allowed for this user.", "permission_denied", "Only the event's creator may change it.", 403)
NOT_FOUND = error_response("Unknown or malformed id.", "not_found", "Not found.", 404)
