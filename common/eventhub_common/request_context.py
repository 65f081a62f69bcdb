"""Middleware: each request's id and trace, in its log lines and its answer, and one access line per request.

The request id is the client's `X-Request-ID` when it is a sane token (at most 64 of `A-Za-z0-9._:-`),
else a new one; the answer carries it back. The trace continues the client's `traceparent` or starts one
(`log_context`; a span too when tracing is on, `tracing`). After the answer, logger `eventhub.access` writes one INFO line (method, path, status,
milliseconds); probes and metric scrapes at DEBUG. The authentication classes add the user id. A URL
argument named `secret` (a calendar feed's address is its only credential) is logged as `<secret>`.
"""

import logging
import re
import secrets
import time


from .log_context import bound
from .middleware_base import SyncAndAsyncMiddleware
from .tracing import continued

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

access = logging.getLogger("eventhub.access")


def request_id_of(request) -> str:
    sent = request.META.get("HTTP_X_REQUEST_ID", "")  # META, not `headers`: that builds a dict of every header
    return sent if _SANE_ID.match(sent) else secrets.token_hex(16)


def logged_path(request) -> str:
    """The request's path with a `secret` URL argument replaced by `<secret>`."""
    match = getattr(request, "resolver_match", None)
    secret = match.kwargs.get("secret") if match is not None else None
    return request.path.replace(secret, "<secret>") if secret else request.path


class RequestContext(SyncAndAsyncMiddleware):
    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        request_id, started = request_id_of(request), time.perf_counter()
        with bound(request_id=request_id, user_id=None), continued(request.META.get("HTTP_TRACEPARENT"), f"HTTP {request.method}"):
            response = self.get_response(request)
            return self._finish(request, response, request_id, started)

    async def _acall(self, request):
        request_id, started = request_id_of(request), time.perf_counter()
        with bound(request_id=request_id, user_id=None), continued(request.META.get("HTTP_TRACEPARENT"), f"HTTP {request.method}"):
            response = await self.get_response(request)
            return self._finish(request, response, request_id, started)

    @staticmethod
    def _finish(request, response, request_id: str, started: float):
        response[REQUEST_ID_HEADER] = request_id
        milliseconds = (time.perf_counter() - started) * 1000
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        if access.isEnabledFor(level):
            path = logged_path(request)
            access.log(
                level, "%s %s %s %.1f ms", request.method, path, response.status_code, milliseconds,
                extra={"method": request.method, "path": path, "status": response.status_code, "duration_ms": round(milliseconds, 1)},
            )
        return response
