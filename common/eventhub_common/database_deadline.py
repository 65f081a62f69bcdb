"""Middleware: a request's database work ends within DATABASE_REQUEST_TIMEOUT_SECONDS, else `503`.

Each request runs inside `pymongo.timeout(...)` (the driver's client-side operation timeout): every
operation it makes, server selection, socket reads and retries included, shares that one deadline. A
stalled or unreachable MongoDB then costs a request a bounded time and answers `503` with `Retry-After`
in the one error shape, instead of an unbounded wait or a 500. DRF views get it from the exception
handler (`api_errors`); other views (the admin) from `process_exception` here.

A write that times out may still have committed (as with any timeout); the client learns only that the
outcome is unknown.

Database work that is not a request (a WebSocket's handlers, the WebSocket node's checks) gets the same
bound call by call from `within_request_deadline`.
"""

import functools

import pymongo
from django.conf import settings
from django.http import JsonResponse

from .api_errors import database_unavailable, error_body
from .middleware_base import SyncAndAsyncMiddleware


class DatabaseDeadline(SyncAndAsyncMiddleware):
    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        with pymongo.timeout(settings.DATABASE_REQUEST_TIMEOUT_SECONDS):
            return self.get_response(request)

    async def _acall(self, request):
        with pymongo.timeout(settings.DATABASE_REQUEST_TIMEOUT_SECONDS):
            return await self.get_response(request)

    def process_exception(self, request, exception):
        unavailable = database_unavailable(exception)
        if unavailable is None:
            return None
        response = JsonResponse(error_body(503, unavailable.default_code, str(unavailable.detail)), status=503)
        response["Retry-After"] = str(unavailable.retry_after)
        return response


def within_deadline(seconds: float, func, *args, **kwargs):
    """`func(*args, **kwargs)` with every MongoDB operation it makes sharing one deadline of `seconds`.

    Called inside the thread that runs `func`, not around an `await`: a task created meanwhile would
    inherit the deadline (`pymongo.timeout` is a context variable) and find it expired later.
    """
    with pymongo.timeout(seconds):
        return func(*args, **kwargs)


def within_request_deadline(func):
    """`func`, each call within DATABASE_REQUEST_TIMEOUT_SECONDS (read at the call)."""

    @functools.wraps(func)
    def bounded(*args, **kwargs):
        return within_deadline(settings.DATABASE_REQUEST_TIMEOUT_SECONDS, func, *args, **kwargs)

    return bounded
