"""`manage.py publish_outbox`: run the outbox relay until SIGTERM or Ctrl-C."""

import logging
import signal

from django.core.management.base import BaseCommand
from eventhub_common.env import env_float
from eventhub_common.metrics import serve_metrics_port
from eventhub_common.topology import amqp_urls_from_env, topology_from_env

from outbox.broker import ConfirmingPublisher
from outbox.checks import require_transactions
from outbox.relay import OutboxRelay, RelaySettings

logger = logging.getLogger("outbox.relay")


class Command(BaseCommand):
    help = "Publish outbox records to RabbitMQ in commit order, with publisher confirms."

    def handle(self, *args, **options):
        require_transactions()
        relay = OutboxRelay(
            ConfirmingPublisher(amqp_urls_from_env(), topology_from_env()),
            RelaySettings(
                lease_seconds=env_float("OUTBOX_LEASE_SECONDS", 3.0),
                fallback_poll_seconds=env_float("OUTBOX_FALLBACK_POLL_SECONDS", 5.0),
                max_backoff_seconds=env_float("OUTBOX_MAX_BACKOFF_SECONDS", 1.5),
                retention_hours=env_float("OUTBOX_RETENTION_HOURS", 72.0),
            ),
        )

        def shut_down(signum, frame):
            logger.info("received %s; finishing the current batch", signal.Signals(signum).name)
            relay.stop()

        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)
        if port := serve_metrics_port():
            logger.info("metrics on port %d", port)
        logger.info("outbox relay %s starting", relay.owner)
        relay.run()
        logger.info("outbox relay stopped after publishing %d message(s)", relay.published_count)
