"""Start-up guard: the outbox needs multi-document transactions, so refuse to run without them.

A standalone mongod has no transactions; running on one would make every
event write fail (or, with a backend that silently skipped transactions, lose
messages). Processes call `require_transactions()` when they start.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection


def require_transactions() -> None:
    if not connection.features._supports_transactions:
        raise ImproperlyConfigured(
            "MongoDB at MONGODB_URI does not support transactions (a standalone mongod?). "
            "The event service needs a replica set (a single-node one is enough) or a sharded cluster; "
            "leave MONGODB_URI unset to use the embedded SecantusDB."
        )
