"""MongoDB helpers: the shared ones live in `eventhub_common.mongo_transactions`."""

from eventhub_common.mongo_transactions import atomic, on_commit, parse_object_id, transactional  # noqa: F401
