"""Event reads answered from the read cache before DRF runs, in one cache round trip.

A cached read through DRF paid for content negotiation, authentication, a cache
round trip for the user and another for the copy (docs/performance.md, finding 16).
Here the same decisions are taken with the same functions, and anything this
path cannot decide exactly as DRF would goes to the DRF view unchanged:

- GET, asking for plain JSON (no `Accept`, `*/*` or `application/json`; no `?format=`);
- `Authorization: Bearer <token>` that `verify_access_token` accepts (what
  `BearerTokenAuthentication` checks);
- the token's user in the user cache and active (what `active_user` checks; a
  saved or deleted user leaves that cache at once);
- a current copy of the page (`read_cache.current_copy`).

The user, the version and the copy come from one `MGET`. A refused token, an
uncached user, a missing or stale copy or an unreachable cache all mean: ask DRF,
which answers, refuses or fills the cache as before.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from eventhub_common.access_tokens import InvalidAccessToken, verify_access_token
from rest_framework.renderers import JSONRenderer

from accounts.selectors import user_cache_key
from core.db import parse_object_id

from . import read_cache

PLAIN_JSON_ACCEPTS = {"", "*/*", "application/json"}


def detail_keys(request, reader_id, event_id):
    object_id = parse_object_id(event_id)
    return None if object_id is None else read_cache.detail_keys(object_id)


def serve_current_copies(view, keys_for):
    """Wrap a DRF `as_view()` view: answer its cached GETs here, pass everything else to it.

    `keys_for(request, reader_id, **url_kwargs)` gives the page's read-cache keys, or None.
    """
    instance = view.view_class(**view.view_initkwargs)
    instance.setup(HttpRequest())  # as Django does per request: HEAD joins GET
    allowed = ", ".join(instance.allowed_methods)

    @wraps(view)
    def serve(request, *args, **kwargs):
        content = _current_copy(request, keys_for, kwargs)
        if content is None:
            return view(request, *args, **kwargs)
        response = HttpResponse(content, content_type=JSONRenderer.media_type)
        response["Allow"] = allowed  # the headers DRF sets on the same answer
        response["Vary"] = "Accept"
        return response

    return serve


def _current_copy(request, keys_for, url_kwargs) -> bytes | None:
    if request.method != "GET" or settings.EVENT_READ_CACHE_SECONDS <= 0 or "format" in request.GET:
        return None
    if request.headers.get("Accept", "").strip() not in PLAIN_JSON_ACCEPTS:
        return None
    reader_id = _reader_id(request.headers.get("Authorization", ""))
    if reader_id is None:
        return None
    keys = keys_for(request, reader_id, **url_kwargs)
    if keys is None:
        return None
    user_key = user_cache_key(reader_id)
    try:
        found = cache.get_many([user_key, *keys.all])
    except Exception:  # noqa: BLE001 - DRF's path logs it and answers from the database
        return None
    user = found.get(user_key)
    if user is None or not user.is_active:
        return None
    return read_cache.current_copy(found, keys)


def _reader_id(authorization: str):
    """The ObjectId of a valid bearer token's user, else None."""
    parts = authorization.split()
    if len(parts) != 2 or parts[0] != "Bearer":
        return None
    try:
        claims = verify_access_token(parts[1], settings.JWT_TOKENS)
    except InvalidAccessToken:
        return None
    return parse_object_id(claims.user_id)
