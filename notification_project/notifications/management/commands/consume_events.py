"""`manage.py consume_events`: run the consumer worker until SIGTERM or Ctrl-C (finishing the message in hand)."""

import asyncio
import logging
import signal

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from eventhub_common.metrics import serve_metrics_port
from eventhub_common.mongo_transactions import keep_session_journal
from eventhub_common.topology import topology_from_env

from notifications.worker import EventConsumerWorker

logger = logging.getLogger("notifications.worker")


class Command(BaseCommand):
    help = "Consume event messages from RabbitMQ, store notifications, push them to WebSockets."

    def handle(self, *args, **options):
        if port := serve_metrics_port():
            logger.info("metrics on port %d", port)
        if settings.CONSUMER_SESSION_FILE:  # abort what a killed predecessor left open, then journal ours
            keep_session_journal(settings.CONSUMER_SESSION_FILE).abort_left_open(connection)
            close_old_connections()
        asyncio.run(self._run())

    async def _run(self):
        layer = get_channel_layer()
        worker = EventConsumerWorker(
            settings.AMQP_URLS,
            topology_from_env(),
            settings.CONSUMER_PREFETCH,
            layer,
            batch_size=settings.CONSUMER_BATCH_SIZE,
            reconnect_seconds=settings.CONSUMER_RECONNECT_SECONDS,
            database_timeout=settings.CONSUMER_DATABASE_TIMEOUT_SECONDS,
            retry_max_seconds=settings.CONSUMER_RETRY_MAX_SECONDS,
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stop)
        try:
            await worker.run()
        finally:
            await layer.close()
