"""OpenAPI helpers: the shared error documentation lives in `eventhub_common.api_docs`; the conditional
request headers of event reads and writes (ETag, If-None-Match, If-Match) are documented here."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from eventhub_common.api_docs import (  # noqa: F401 - re-exported for this service's modules
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    VALIDATION_ERROR,
    ErrorSerializer,
    error_response,
)

ETAG = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200],
    description="Strong tag of this representation; send it back in `If-None-Match` (reads) or `If-Match` (writes).",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER,
    description="ETags the client holds; `304 Not Modified` (no body) when the current one is among them.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER,
    description="Change only if the event is still this ETag (or `*`: exists); else `412` and nothing changes.",
)
NOT_MODIFIED = OpenApiResponse(description="The ETag in `If-None-Match` is current; no body.")
PRECONDITION_FAILED = error_response(
    "`If-Match` names another version of the event: it changed since the client read it.",
    "precondition_failed",
    "The event has changed since it was read.",
    412,
)
