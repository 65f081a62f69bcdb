"""The one JSON error shape of both services' APIs and the DRF exception handler that produces it.

Every 4xx and 5xx body is

    {"error": {"status": 400, "code": "validation_error", "message": "...", "details": {...}}}

`details` is present for validation errors (field name -> list of messages)
and absent otherwise. Services raise the small hierarchy below; DRF's own
exceptions and Django's Http404/PermissionDenied are mapped to the same shape,
a database that did not answer (timeout, lost connection) becomes a 503 with
`Retry-After`, and anything unexpected becomes a logged 500 with no internals leaked.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from .mongo_transactions import is_database_unavailable

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER = 2  # seconds a client is asked to wait after the database did not answer


class ApiError(drf.APIException):
    """Base of the service-level errors; subclasses set status, code and message."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request could not be processed."


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = "Not found."


class Unauthorized(ApiError):
    """Credentials were presented and are wrong (login, refresh): 401 on views without authenticators."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "invalid_credentials"
    default_detail = "Invalid credentials."


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class PreconditionFailed(ApiError):
    """`If-Match` names a version other than the current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = "The resource has changed since it was read."


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "A backing service is unavailable; retry later."

    def __init__(self, detail=None, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


class RateLimited(ApiError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    default_detail = "Too many attempts; retry later."

    def __init__(self, retry_after: int):
        super().__init__(f"Too many attempts; retry in {retry_after} seconds.")
        self.retry_after = retry_after


def database_unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 for a database that did not answer (a timeout or a lost connection), else None."""
    if is_database_unavailable(exc):
        return ServiceUnavailable("The database did not answer in time; retry shortly.", retry_after=DATABASE_RETRY_AFTER)
    return None


def error_body(status_code: int, code: str, message: str, details=None) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _first_code(detail) -> str:
    codes = detail.get_codes() if hasattr(detail, "get_codes") else None
    if isinstance(codes, str):
        return codes
    return "error"


def api_exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: every error leaves in the one shape."""
    if isinstance(exc, Http404):
        exc = NotFound()
    elif unavailable := database_unavailable(exc):
        exc = unavailable
    elif isinstance(exc, PermissionDenied):
        exc = Forbidden()
    elif isinstance(exc, DjangoValidationError):  # a model's full_clean() in a service: the client's input
        exc = drf.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in %s", context.get("view"), exc_info=exc)
        return Response(
            error_body(500, "server_error", "An unexpected error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, drf.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(response.status_code, "validation_error", "The request is invalid.", details)
    else:
        body = error_body(response.status_code, _first_code(exc), str(exc.detail))
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    response.data = body
    return response


def json_error_view(status_code: int, code: str, message: str):
    """A Django view (handler404/handler500) answering in the API's error shape."""

    def view(request, exception=None):
        return JsonResponse(error_body(status_code, code, message), status=status_code)

    return view
