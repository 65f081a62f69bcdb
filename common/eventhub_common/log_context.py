"""What every log line says about the work it belongs to: the request id, the user and the trace.

The values live in context variables, so they follow a request into the threads `asgiref` runs sync code
in and into asyncio tasks, and `ContextFilter` (on the log handler) adds them to every record:
`request_id`, `user_id`, `trace_id`. The trace is W3C Trace Context: a request continues the caller's
`traceparent` header or starts a trace; the outbox record keeps the request's, the relay publishes it as
an AMQP header, the consumer continues it and hands it to the WebSocket nodes with the push, so one id
finds the log lines of one write in every process.
"""

import contextvars
import logging
import re
import secrets
from contextlib import contextmanager

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
USER_ID = contextvars.ContextVar("user_id", default=None)
TRACEPARENT = contextvars.ContextVar("traceparent", default=None)
_VARIABLES = {"request_id": REQUEST_ID, "user_id": USER_ID, "traceparent": TRACEPARENT}

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE, _INVALID_SPAN = "0" * 32, "0" * 16


def continue_trace(parent: str | None) -> str:
    """A `traceparent` for work caused by `parent` (same trace, a new span id), or the first of a new trace
    when `parent` is missing or malformed."""
    match = _TRACEPARENT.match(parent or "")
    if match and match[1] != _INVALID_TRACE and match[2] != _INVALID_SPAN:
        return f"00-{match[1]}-{secrets.token_hex(8)}-{match[3]}"
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


@contextmanager
def bound(**values):
    """Set context values (`request_id`, `user_id`, `traceparent`) for the block."""
    tokens = [(_VARIABLES[name], _VARIABLES[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id`, `user_id` and `trace_id` to each record (None outside a request or a message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.user_id = USER_ID.get()
        record.trace_id = trace_id(TRACEPARENT.get())
        return True
