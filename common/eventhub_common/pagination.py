"""DRF's cursor pagination, with a malformed cursor answered `400 invalid_cursor` on both services.

DRF answers a cursor it cannot decode with `404`, and passes the position of one it can decode to the
query unchecked, so `?cursor=cD1ub3QtYS1kYXRl` (`p=not-a-date`) became a 500. Here the position must
be a value of the ordering's first field, checked with that model field's own `to_python`.
"""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import exceptions as drf
from rest_framework import pagination

from .api_errors import ApiError


class InvalidCursor(ApiError):
    default_code = "invalid_cursor"
    default_detail = "The cursor is not one this API gave out; follow the `next` and `previous` links as given."


class CursorPagination(pagination.CursorPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view=view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except drf.NotFound:
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        model = getattr(self, "_model", None)
        if model is None:  # decoded before paginating (a cache key): checked again when the page is cut
            return
        ordering = (self.ordering,) if isinstance(self.ordering, str) else self.ordering
        try:
            model._meta.get_field(ordering[0].lstrip("-")).to_python(position)
        except (FieldDoesNotExist, ValidationError, ValueError, TypeError):
            raise InvalidCursor() from None
