"""`manage.py outbox_status`: the backlog at a glance (also in the admin)."""

import json

from django.core.management.base import BaseCommand

from outbox.services import backlog


class Command(BaseCommand):
    help = "Show how many outbox records wait for the relay and how old the oldest is."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(backlog(), indent=2))
