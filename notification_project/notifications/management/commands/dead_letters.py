"""`manage.py dead_letters`: list dead-lettered messages with their reasons; `--replay ID ...` or
`--replay-all` puts them back on the events exchange (idempotent by `message_id`)."""

from django.core.management.base import BaseCommand, CommandError
from eventhub_common.topology import amqp_urls_from_env, topology_from_env

from notifications.dead_letters import DeadLetterQueue


class Command(BaseCommand):
    help = "List dead-lettered messages and their reasons; replay chosen ones."

    def add_arguments(self, parser):
        parser.add_argument("--replay", nargs="+", metavar="MESSAGE_ID", default=[], help="replay these messages")
        parser.add_argument("--replay-all", action="store_true", help="replay every dead-lettered message")

    def handle(self, *args, replay, replay_all, **options):
        with DeadLetterQueue(amqp_urls_from_env(), topology_from_env()) as queue:
            chosen = queue.letters if replay_all else [letter for letter in queue.letters if letter.message_id in replay]
            missing = set(replay) - {letter.message_id for letter in chosen}
            if missing:
                raise CommandError(f"not in the dead-letter queue: {', '.join(sorted(missing))} (nothing replayed)")
            if not (replay or replay_all):
                for letter in queue.letters:
                    self.stdout.write(f"{letter.message_id}\t{letter.routing_key}\t{letter.reason}")
                self.stdout.write(f"{len(queue.letters)} dead-lettered")
                return
            for letter in chosen:
                queue.replay(letter)
                self.stdout.write(f"replayed {letter.message_id} ({letter.routing_key})")
            self.stdout.write(f"{len(chosen)} replayed, {len(queue.letters) - len(chosen)} left")
