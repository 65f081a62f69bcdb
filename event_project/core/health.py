"""Health probes of the event service.

Readiness needs MongoDB only: API writes go to the outbox, so the API stays
ready (and loses nothing) while RabbitMQ is away; the relay waits for it.
"""

from eventhub_common.health import check_mongodb, readiness_view

readyz = readiness_view({"mongodb": check_mongodb})
