"""Middleware: answers to requests that carry credentials are for their client's eyes only.

An authenticated answer (`mine=true`, a user's history) must never be stored by a
shared proxy and served to someone else, and a browser must check it before reusing
it: every response to a request with an `Authorization` header gets
`Cache-Control: private, no-cache` and `Vary: Authorization`, through Django's own
`patch_cache_control` and `patch_vary_headers`. A client that kept an ETag still
revalidates cheaply (`If-None-Match` -> `304`).
"""

from asgiref.sync import iscoroutinefunction
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import sync_and_async_middleware


def make_private(request, response):
    if "HTTP_AUTHORIZATION" in request.META:
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Authorization",))
    return response


@sync_and_async_middleware
def private_authorized_responses(get_response):
    """Middleware for WSGI (event service) and ASGI (notification service) alike, without a thread hop."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return make_private(request, await get_response(request))

    else:

        def middleware(request):
            return make_private(request, get_response(request))

    return middleware
