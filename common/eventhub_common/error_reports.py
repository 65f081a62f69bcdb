"""Error reports to Sentry, only when SENTRY_DSN is set (off by default: not even imported).

Both services' settings call `start_from_env()`. What is sent: unhandled exceptions and ERROR log records
(the API's `unhandled error` line, a dead-lettered message), with the log context (`request_id`,
`trace_id`) as tags; no request bodies, cookies or user details (`send_default_pii` off), no
performance traces.
"""

import os

from .log_context import REQUEST_ID, TRACEPARENT, trace_id


def _with_context(event, hint):
    tags = event.setdefault("tags", {})
    if REQUEST_ID.get():
        tags["request_id"] = REQUEST_ID.get()
    if TRACEPARENT.get():
        tags["trace_id"] = trace_id(TRACEPARENT.get())
    return event


def start_from_env(service: str) -> bool:
    """Start the Sentry SDK for `service` when SENTRY_DSN is set; whether it started."""
    dsn = os.environ.get("SENTRY_DSN", "")
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        server_name=service,
        send_default_pii=False,
        traces_sample_rate=0.0,
        before_send=_with_context,
    )
    return True
