"""The API's errors: the shared shape and hierarchy live in `eventhub_common.api_errors`."""

from eventhub_common.api_errors import (  # noqa: F401 - re-exported for this service's modules
    ApiError,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
