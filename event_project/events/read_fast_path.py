"""Event reads answered from the read cache in front of Django, in one cache round trip.

A cached read through Django and DRF paid for the request handler, the middleware,
content negotiation and authentication around one Redis lookup (docs/performance.md,
findings 16 and 19). `CachedReads` wraps the event service's WSGI application and
answers a read itself when it can give exactly the answer Django would give:

- a GET for the event list or an event (resolved with Django's URL map), asking for
  plain JSON (no `Accept`, `*/*` or `application/json`; no `?format=`), without
  `Origin` or `Cookie` (CORS and sessions are Django's to answer);
- `Authorization: Bearer <token>` that `verify_access_token` accepts (what
  `BearerTokenAuthentication` checks), whose user is active (what `active_user`
  checks: from the user cache, which a saved or deleted user leaves at once, or,
  when the copy is current but the user is not cached, `active_user` itself);
- a current copy of the page (`read_cache.current_copy`);
- the response headers Django gave to an earlier such read of the same view, scheme
  and (validated) host. They are learned from Django's own answers rather than
  written here, so the middleware's headers (security headers, `Vary`, `Allow`) are
  Django's, whatever the settings; until Django has answered once, Django answers.

The user, the version and the copy come from one `MGET`. Anything else (a refused
token, an inactive or unknown user, a stale or missing copy, an unreachable cache,
any error here) goes to Django unchanged, which answers, refuses or fills the cache
as before.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.urls import Resolver404, resolve
from eventhub_common.access_tokens import InvalidAccessToken, bearer_token, verify_access_token

from accounts.selectors import active_user, cached_user, user_cache_key
from core.db import parse_object_id

from . import read_cache

logger = logging.getLogger(__name__)

PLAIN_JSON_ACCEPTS = {"", "*/*", "application/json"}
MAX_LEARNED = 64  # (view, scheme, host) answers kept; hosts are validated, so this is only a bound


def _detail_keys(request, reader_id, event_id):
    object_id = parse_object_id(event_id)
    return None if object_id is None else read_cache.detail_keys(object_id)


KEYS_FOR = {"event-list": read_cache.list_keys, "event-detail": _detail_keys}


class CachedReads:
    """WSGI application: current cached event reads answered here, everything else by `django_app`."""

    def __init__(self, django_app):
        self.django_app = django_app
        self.learned: dict[tuple, list[tuple[str, str]]] = {}  # (view, is_secure, host) -> Django's headers

    def __call__(self, environ, start_response):
        try:
            read = self._plain_read(environ)
            content = None if read is None else self._current_copy(read)
        except Exception:  # noqa: BLE001 - whatever goes wrong here, Django answers
            logger.warning("cached read failed; Django answers", exc_info=True)
            read = content = None
        if content is None:
            return self.django_app(environ, self._learning(read, start_response))
        length = str(len(content))
        headers = [(name, length if name.lower() == "content-length" else value) for name, value in self.learned[read.key]]
        start_response("200 OK", headers)
        return [content]

    def _plain_read(self, environ):
        """The read, if this request is one the cache may answer, else None."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_ORIGIN" in environ
            or environ.get("HTTP_COOKIE")  # an empty Cookie header is no cookie
            or environ.get("HTTP_ACCEPT", "").strip() not in PLAIN_JSON_ACCEPTS
            or settings.EVENT_READ_CACHE_SECONDS <= 0
            or settings.DISALLOWED_USER_AGENTS  # CommonMiddleware would look at the User-Agent
        ):
            return None
        request = WSGIRequest(environ)
        if "format" in request.GET:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.url_name not in KEYS_FOR:
            return None
        try:
            host = request.get_host()
        except DisallowedHost:
            return None
        return _Read(request, match.url_name, match.kwargs, (match.url_name, request.is_secure(), host))

    def _current_copy(self, read) -> bytes | None:
        if read.key not in self.learned:
            return None
        reader_id = _reader_id(read.request.headers.get("Authorization", ""))
        if reader_id is None:
            return None
        keys = KEYS_FOR[read.view](read.request, reader_id, **read.url_kwargs)
        if keys is None:
            return None
        user_key = user_cache_key(reader_id)
        found = cache.get_many([user_key, *keys.all])
        content = read_cache.current_copy(found, keys)
        if content is None:
            return None
        user = cached_user(found.get(user_key))
        if user is None:  # expired or forgotten: one lookup (which caches the user) rather than all of Django
            user = active_user(reader_id)
        return content if user is not None and user.is_active else None

    def _learning(self, read, start_response):
        """`start_response` that keeps the headers of Django's plain-JSON 200 to a read the cache may answer."""
        if read is None or read.key in self.learned or len(self.learned) >= MAX_LEARNED:
            return start_response

        def learn(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
            if status.startswith("200 ") and content_type == "application/json" and "set-cookie" not in names:
                self.learned[read.key] = list(headers) if "content-length" in names else [*headers, ("Content-Length", "")]
            return start_response(status, headers, exc_info)

        return learn


@dataclass(frozen=True, slots=True)
class _Read:
    """A read the cache may answer: Django's request, the view's URL name and arguments, and the key of the
    headers Django gives such a read (view, whether the request is secure, host)."""

    request: WSGIRequest
    view: str
    url_kwargs: dict
    key: tuple


def _reader_id(authorization: str):
    """The ObjectId of a valid bearer token's user, else None."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        claims = verify_access_token(token, settings.JWT_TOKENS)
    except InvalidAccessToken:
        return None
    return parse_object_id(claims.user_id)
