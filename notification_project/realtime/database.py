"""The WebSocket side's database calls: Channels' `database_sync_to_async`, each call bounded like a request.

Outside a request nothing bounds a MongoDB call: against a stalled database it waits until the database
answers again, while holding the one thread Channels runs every socket's database work in, so every other
socket's connect, subscribe and counts waited with it (and, in the tests, the consumer worker too).
"""

from channels.db import database_sync_to_async
from eventhub_common.database_deadline import within_request_deadline


def in_database(func):
    """`func` run by `database_sync_to_async`, its MongoDB work within DATABASE_REQUEST_TIMEOUT_SECONDS."""
    return database_sync_to_async(within_request_deadline(func))
