"""Middleware: a request body over the limit is refused with `413` before anything reads it.

The limit is Django's own `DATA_UPLOAD_MAX_MEMORY_SIZE` (REQUEST_MAX_BYTES, default 1 MiB). Django
checks it only when `request.body` is read, and DRF's parsers read the stream instead, so without this
a body of any size reached the JSON parser. Files never come through the APIs (attachments go straight
to S3 with a presigned POST), so the limit covers every body.
"""

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import JsonResponse
from django.utils.decorators import sync_and_async_middleware

from .api_errors import error_body


def payload_too_large_response(limit: int) -> JsonResponse:
    message = f"The request body is larger than {limit} bytes."
    return JsonResponse(error_body(413, "payload_too_large", message), status=413)


def refusal(request) -> JsonResponse | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        return JsonResponse(error_body(400, "bad_request", "Content-Length must be a number of bytes."), status=400)
    if limit is not None and int(length) > limit:
        return payload_too_large_response(limit)
    return None


@sync_and_async_middleware
def limit_request_body(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return refusal(request) or await get_response(request)

    else:

        def middleware(request):
            return refusal(request) or get_response(request)

    return middleware
