"""The base of this package's middleware classes: each runs in the server's own mode (WSGI or ASGI), so an
ASGI request costs no thread hop. A subclass's `__call__` returns `self._acall(request)` when `is_async`."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class SyncAndAsyncMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
