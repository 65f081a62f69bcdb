"""Health probes of the event service.

Readiness needs MongoDB only: API writes go to the outbox, so the API stays
ready (and loses nothing) while RabbitMQ is away; the relay waits for it.
Redis is checked and reported, but a Redis that does not answer makes the
service `degraded`, not unready: reads and writes go to MongoDB meanwhile and
only login and registration answer 503 (README, Failure behaviour), so taking
the API out of a load balancer for it would turn a degraded API into none.
"""

from eventhub_common.health import check_mongodb, check_redis, readiness_view

readyz = readiness_view({"mongodb": check_mongodb}, optional={"redis": check_redis})
