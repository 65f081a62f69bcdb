"""`If-Match` (RFC 9110, section 13.1.1) for the API's reads and writes, refused in the one error shape.

`If-None-Match` on reads is Django's own `get_conditional_response`; it would answer a
failed `If-Match` with a bare 412, so that header is checked here first.
"""

from django.utils.http import parse_etags

from .exceptions import PreconditionFailed


def if_match_passes(header: str | None, current_etag: str | None) -> bool:
    """Whether `If-Match: header` lets a request act on a resource whose ETag is `current_etag` (None: the
    resource does not exist). Strong comparison: a weak tag never matches; `*` matches any existing resource."""
    if header is None:
        return True
    tags = parse_etags(header)
    if current_etag is None:
        return False
    return tags == ["*"] or current_etag in tags


def require_match(header: str | None, current_etag: str | None) -> None:
    if not if_match_passes(header, current_etag):
        raise PreconditionFailed("The event has changed since it was read; read it again and retry.")
