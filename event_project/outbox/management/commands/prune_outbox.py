"""`manage.py prune_outbox`: delete sent records older than the retention."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from eventhub_common.env import env_float

from outbox.services import prune_sent


class Command(BaseCommand):
    help = "Delete outbox records the broker confirmed more than OUTBOX_RETENTION_HOURS (default 72) ago."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=env_float("OUTBOX_RETENTION_HOURS", 72.0))

    def handle(self, *args, hours, **options):
        deleted = prune_sent(timedelta(hours=hours))
        self.stdout.write(f"deleted {deleted} sent record(s) older than {hours:g}h")
