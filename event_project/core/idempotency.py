"""`Idempotency-Key` for POST endpoints (issue 19, safe retries): `@idempotent` on an APIView's `post`.

A method decorator, so it runs inside DRF's `dispatch` after authentication, permissions and throttles
(`request.user` is known; a 401 or 429 is never stored). Keys are per user, in the shared Redis cache:

- the first request claims `idempotency:<user id>:<sha256 of the key>` with `cache.add` (SET NX) for
  IN_FLIGHT_SECONDS, runs, and replaces the claim with its response (status, headers, body bytes) for
  IDEMPOTENCY_KEY_SECONDS (24 h). A repeat gets that response again with `Idempotent-Replayed: true`;
- a repeat while the claim is held is a 409 `idempotency_key_in_flight` with `Retry-After`; the same key
  with another method, path or body is a 422 `idempotency_key_reused`;
- requests are compared by a SHA-256 of method, path and the *parsed* body as canonical JSON (sorted
  keys, no whitespace), not of the raw bytes: a client library that re-serialises its body for a retry
  (another key order or spacing) still sends the same request, and the comparison does not depend on the
  raw bytes surviving the parser (DRF keeps them for JSON, not for stream-reading parsers such as
  multipart). A body that does not parse is refused (400/415) before anything is claimed;
- every response below 500 is stored, 4xx included: a retry of the same request gets the same answer,
  and a client that corrects its body sends a new key (the 422 tells it so). (Stripe, by contrast, saves
  no result for a request that failed its parameter validation.) A 5xx or an exception releases the
  claim: the write's transaction did not commit, so the client may simply retry;
- the claim lives IN_FLIGHT_SECONDS, not 24 h, so a process killed mid-request blocks its key briefly;
- when Redis does not answer, the request is processed without protection and a warning logged, as the
  read cache does; a response Redis does not take is written as soon as it answers (`set_many_eventually`).

Only for endpoints that require authentication: anonymous clients would share one key space.
"""

import base64
import hashlib
import json
import logging
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from rest_framework import status

from .exceptions import ApiError, Conflict

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")  # printable ASCII
# Longer than any request runs (DATABASE_REQUEST_TIMEOUT_SECONDS bounds its database time to 5 s).
IN_FLIGHT_SECONDS = 60


class IdempotencyKeyInFlight(Conflict):
    default_code = "idempotency_key_in_flight"
    default_detail = f"A request with this {HEADER} is still being processed; retry shortly."
    retry_after = 1


class IdempotencyKeyReused(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = f"This {HEADER} was used for a different request; send a new key for a new request."


def idempotent(handler):
    """Make an APIView method (`post`) safe to retry with an `Idempotency-Key` header (see the module)."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not VALID_KEY.fullmatch(key):
            raise ApiError(f"{HEADER} must be 1 to 255 printable ASCII characters.", code="invalid_idempotency_key")
        cache_key = f"idempotency:{request.user.pk}:{hashlib.sha256(key.encode()).hexdigest()}"
        fingerprint = request_fingerprint(request)
        try:
            claimed = cache.add(cache_key, {"fingerprint": fingerprint}, IN_FLIGHT_SECONDS)
            stored = None if claimed else cache.get(cache_key)
        except Exception as exc:  # noqa: BLE001 - Redis is down: the request is still served
            logger.warning("idempotency keys unavailable, %s processed without one (%s: %s)", request.path, exc.__class__.__name__, exc)
            return handler(view, request, *args, **kwargs)
        if not claimed:
            return replay(stored, fingerprint)
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - rendered in the one error shape, as dispatch would
                response = view.handle_exception(exc)
            response = view.finalize_response(request, response, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        except BaseException:
            release(cache_key)
            raise
        if response.status_code >= 500:
            release(cache_key)
        else:
            cache.set_many_eventually({cache_key: record(fingerprint, response)}, settings.IDEMPOTENCY_KEY_SECONDS)
        return response

    return wrapper


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def record(fingerprint: str, response) -> dict:
    body = base64.b64encode(response.content).decode()
    return {"fingerprint": fingerprint, "status": response.status_code, "headers": dict(response.items()), "body": body}


def replay(stored, fingerprint: str) -> HttpResponse:
    """The stored response; 409 while the first request runs (or its claim was just released), 422 for another request."""
    if not isinstance(stored, dict):
        raise IdempotencyKeyInFlight()
    if stored.get("fingerprint") != fingerprint:
        raise IdempotencyKeyReused()
    if "status" not in stored:
        raise IdempotencyKeyInFlight()
    response = HttpResponse(base64.b64decode(stored["body"]), status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def release(cache_key: str) -> None:
    try:
        cache.delete(cache_key)
    except Exception as exc:  # noqa: BLE001 - the claim then expires after IN_FLIGHT_SECONDS
        logger.warning("idempotency claim not released (%s: %s)", exc.__class__.__name__, exc)
