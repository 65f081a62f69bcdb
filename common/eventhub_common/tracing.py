"""OpenTelemetry spans, exported over OTLP/HTTP, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (off by default:
not even imported).

The spans follow the trace `log_context` already carries: a request's span, the relay's publish, the
consumer's store and the WebSocket node's push each start from the `traceparent` they were handed and put
their own back, so the exported trace and the log lines share one trace id. The exporter reads the
standard OTEL_* variables (endpoint, headers, timeout); OTEL_SERVICE_NAME overrides the service name.
"""

import os
from contextlib import contextmanager

from .log_context import TRACEPARENT, bound, continue_trace

_tracer = None


def start_from_env(service: str) -> bool:
    """Install a tracer provider with a batching OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    global _tracer
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or _tracer is not None:
        return _tracer is not None
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or f"eventhub-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _tracer = trace.get_tracer("eventhub")
    return True


@contextmanager
def span(name: str, **attributes):
    """A span in the current trace (`log_context.TRACEPARENT` is its parent and, inside, the span itself);
    nothing at all when tracing is off."""
    if _tracer is None:
        yield
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    propagator = TraceContextTextMapPropagator()
    parent = propagator.extract({"traceparent": TRACEPARENT.get()} if TRACEPARENT.get() else {})
    with _tracer.start_as_current_span(name, context=parent, attributes=attributes):
        carrier: dict = {}
        propagator.inject(carrier)
        with bound(traceparent=carrier.get("traceparent") or TRACEPARENT.get()):
            yield


@contextmanager
def continued(parent: str | None, name: str, **attributes):
    """The work of one request or message, caused by `parent` (a `traceparent`, maybe missing): its span
    when tracing is on; else only a new span id in the log context."""
    if _tracer is None:
        with bound(traceparent=continue_trace(parent)):
            yield
        return
    with bound(traceparent=parent), span(name, **attributes):
        yield


def flush() -> None:
    if _tracer is not None:
        from opentelemetry import trace

        trace.get_tracer_provider().force_flush()
