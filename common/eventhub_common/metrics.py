"""Prometheus metrics of every process (prometheus-client), in one place, and the ways they are read.

The HTTP services serve them at `/metrics` (`metrics_view`); the relay and the consumer, which serve no
HTTP, on their own port (METRICS_PORT, `serve_metrics_port`). A server with several worker processes (the
event API under granian) runs in prometheus-client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR names a
directory, emptied before the server starts, where each worker keeps its values, and `/metrics` adds them
up. When METRICS_TOKEN is set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>` (404
otherwise, as if it did not exist); production requires it (docs: README, "Operating it").

Names follow Prometheus conventions: `_seconds` for durations, `_total` for counters, label values from
small fixed sets (a route pattern, never a URL with ids in it).
"""

import hmac
import logging
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess, start_http_server

logger = logging.getLogger(__name__)

# Latency buckets from 5 ms to 10 s: requests and deliveries live in the lower half, outages in the upper.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# -- HTTP, both services ------------------------------------------------------------------------------
HTTP_REQUEST_SECONDS = Histogram(
    "eventhub_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
RATE_LIMITED = Counter(
    "eventhub_rate_limit_refusals_total", "Requests refused with 429 by a rate limit or throttle, by route.", ["route"]
)
READ_CACHE = Counter("eventhub_read_cache_total", "Event reads answered from the read cache or not.", ["result"])

# -- notification service ---------------------------------------------------------------------------
WEBSOCKETS_OPEN = Gauge("eventhub_websockets_open", "WebSockets open on this process.", multiprocess_mode="livesum")
NOTIFICATIONS_PUSHED = Counter("eventhub_notifications_pushed_total", "Notification frames sent to WebSockets.")
DELIVERY_SECONDS = Histogram(
    "eventhub_notification_delivery_seconds",
    "From the event change (its message's occurred_at, taken in the committing transaction) to its push on "
    "the last local socket it was for; once per notification and WebSocket process.",
    buckets=LATENCY_BUCKETS,
)

# -- relay ------------------------------------------------------------------------------------------
OUTBOX_BACKLOG = Gauge("eventhub_outbox_backlog", "Outbox records not yet confirmed by the broker.")
OUTBOX_OLDEST_AGE = Gauge("eventhub_outbox_oldest_pending_age_seconds", "Age of the oldest unsent outbox record (0: none).")
RELAY_PUBLISH_SECONDS = Histogram(
    "eventhub_relay_publish_duration_seconds", "Time to publish one batch and get its confirms.", buckets=LATENCY_BUCKETS
)
RELAY_MESSAGES = Counter("eventhub_relay_messages_total", "Messages the relay published, by outcome.", ["outcome"])

# -- consumer ---------------------------------------------------------------------------------------
CONSUMER_MESSAGES = Counter(
    "eventhub_consumer_messages_total", "Messages the consumer settled, by outcome.", ["outcome"]
)  # outcome: stored, duplicate, dead_lettered, redelivered
CONSUMER_RETRIES = Counter(
    "eventhub_consumer_retries_total", "Times the consumer tried a message again, by reason.", ["reason"]
)  # reason: database_unavailable or conflict (held, not counted as a delivery), failed (nacked, counted)


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render() -> tuple[bytes, str]:
    """The exposition text of this process (or of every worker, in multiprocess mode) and its content type."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def authorized(authorization_header: str | None) -> bool:
    """Whether a scrape may read the metrics: always without METRICS_TOKEN, else only with that bearer token."""
    token = os.environ.get("METRICS_TOKEN", "")
    if not token:
        return True
    return hmac.compare_digest(authorization_header or "", f"Bearer {token}")


def serve_metrics_port() -> int | None:
    """Serve this process's metrics on METRICS_PORT (the relay, the consumer), if it is set; the port."""
    port = os.environ.get("METRICS_PORT")
    if not port:
        return None
    try:
        start_http_server(int(port), addr=os.environ.get("METRICS_BIND_HOST", "127.0.0.1"))
    except OSError as exc:  # metrics are for watching the work; they must not stop it
        logger.error("metrics port %s not served: %s", port, exc)
        return None
    return int(port)
