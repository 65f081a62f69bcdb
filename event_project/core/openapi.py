"""OpenAPI helpers: the shared error documentation lives in `eventhub_common.api_docs`; the conditional
request headers of event reads and writes (ETag, If-None-Match, If-Match) and `Idempotency-Key` on POSTs
(`core.idempotency`) are documented here."""

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

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER,
    description=(
        "Makes a retry safe: a repeat with the same key and body within `IDEMPOTENCY_KEY_SECONDS` (24 h) gets the "
        "first response again (not 5xx ones), creating nothing. 1–255 printable ASCII characters, else `400` "
        "`invalid_idempotency_key`; keys are per user."
    ),
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed", str, OpenApiParameter.HEADER, response=True,
    description="`true` on a response replayed for a repeated `Idempotency-Key`.",
)
IDEMPOTENCY_PARAMETERS = [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED]
INVALID_IDEMPOTENCY_KEY = error_response(
    "The `Idempotency-Key` is not 1–255 printable ASCII characters.",
    "invalid_idempotency_key",
    "Idempotency-Key must be 1 to 255 printable ASCII characters.",
    400,
)
IDEMPOTENCY_ERRORS = {
    409: error_response(
        "A request with this `Idempotency-Key` is still being processed; see `Retry-After`.",
        "idempotency_key_in_flight",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        409,
    ),
    422: error_response(
        "This `Idempotency-Key` was used for a different request (method, path or body).",
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different request; send a new key for a new request.",
        422,
    ),
}
