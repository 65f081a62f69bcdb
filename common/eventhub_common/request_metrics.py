"""HTTP metrics of both services: a middleware timing every request, and the `/metrics` view.

The route label is the URL pattern that matched (`api/events/<str:pk>/`), so ids never become label
values; requests that matched nothing count under `unmatched`.
"""

import time

from django.http import HttpResponse

from . import metrics
from .api_errors import json_error_view
from .middleware_base import SyncAndAsyncMiddleware


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


class RequestMetrics(SyncAndAsyncMiddleware):
    """Observes each request's duration by route, method and status (outermost, so it times everything)."""

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._observe(request, response, started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        self._observe(request, response, started)
        return response

    @staticmethod
    def _observe(request, response, started: float) -> None:
        route = _route(request)
        metrics.HTTP_REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        if response.status_code == 429:
            metrics.RATE_LIMITED.labels(route).inc()


_hidden = json_error_view(404, "not_found", "Not found.")


def metrics_view(request):
    """Prometheus's scrape: the exposition text, or a 404 without the METRICS_TOKEN bearer when one is set."""
    if not metrics.authorized(request.headers.get("Authorization")):
        return _hidden(request)
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
