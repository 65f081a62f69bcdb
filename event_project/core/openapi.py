"""OpenAPI helpers: the shared error documentation lives in `eventhub_common.api_docs`."""

from eventhub_common.api_docs import (  # noqa: F401 - re-exported for this service's modules
    FORBIDDEN,
    NOT_FOUND,
    UNAUTHENTICATED,
    VALIDATION_ERROR,
    ErrorSerializer,
    error_response,
)
