"""The API's errors: the shared shape and hierarchy live in `eventhub_common.api_errors`."""

from eventhub_common.api_errors import ApiError, NotFound, ServiceUnavailable, json_error_view  # noqa: F401
