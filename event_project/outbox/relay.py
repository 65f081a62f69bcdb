"""The outbox relay: pending records to RabbitMQ, in commit order, marked sent only after a confirm.

How it keeps its promises:

- **Commit order and low latency.** The relay follows a MongoDB change stream
  on the outbox collection; change streams deliver inserts in commit order
  within milliseconds. It opens the stream *before* draining the backlog, so
  nothing committed in between is missed; each batch is re-read with
  `status: pending`, so nothing already sent is published again.
- **At-least-once.** A record is marked sent only after the broker confirmed
  it. A crash between the confirm and the mark re-publishes it on restart with
  the same `message_id`, which consumers use to drop the duplicate.
- **Outages.** Any broker or database error closes the connection and the
  relay retries with capped exponential backoff; records wait in the outbox.
- **Several relays.** Only the holder of a lease (a document in MongoDB,
  renewed every few seconds and while draining) publishes; the others wait to
  take over. Each takeover increments the lease's fencing token, and before
  marking a batch sent a relay renews the lease with a write that matches only
  its own owner and token, so a relay that lost the lease (stalled past its
  expiry, say) stops at its next batch: what it
  published in the batch it had in hand is the only overlap with the new
  holder, which starts from the first record not marked. The lease also stores
  the change stream's resume token, so a new holder resumes where the last one
  stopped.
- **Fallback.** Every `fallback_poll_seconds` the backlog is scanned anyway,
  in case a change event was missed (e.g. after an expired resume token).
- **Housekeeping.** The leader deletes records sent more than
  `retention_hours` ago, once every `prune_every_seconds`.
"""

import logging
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from eventhub_common.heartbeat import Heartbeat
from eventhub_common.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, RELAY_MESSAGES, RELAY_PUBLISH_SECONDS
from eventhub_common.tracing import continued
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from .broker import BROKER_ERRORS, ConfirmingPublisher
from .models import OutboxMessage, OutboxStatus, RelayLease

logger = logging.getLogger(__name__)

LEASE_NAME = "outbox-relay"


@dataclass
class RelaySettings:
    lease_seconds: float = 3.0
    fallback_poll_seconds: float = 5.0
    batch_size: int = 200
    # Capped low so publishing resumes within ~2 s of the broker's return (issue 18); jitter keeps relays apart.
    max_backoff_seconds: float = 1.5
    await_ms: int = 100
    retention_hours: float = 72.0
    prune_every_seconds: float = 3600.0


class LeaseLost(Exception):
    """Another relay holds the lease now."""


class OutboxRelay:
    """Publishes the outbox; `run()` loops until `stop()` is called."""

    def __init__(self, publisher: ConfirmingPublisher, settings: RelaySettings | None = None, owner: str | None = None):
        self.publisher = publisher
        self.settings = settings or RelaySettings()
        self.owner = owner or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        database = connection.database
        self.outbox = database[OutboxMessage._meta.db_table]
        self.leases = database[RelayLease._meta.db_table]
        self.heartbeat = Heartbeat.from_env()
        self.published_count = 0
        self._last_prune = float("-inf")
        self._last_renew = float("-inf")
        self.token = None  # the lease's fencing token when this relay took it

    # -- lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        try:
            self._run_until_stopped()
        finally:
            self.publisher.close()
        self._release_lease()

    def _run_until_stopped(self) -> None:
        backoff = 0.0
        while not self.stopping:
            self.heartbeat.beat()
            try:
                if not self._acquire_lease():
                    self._stop.wait(self.settings.lease_seconds / 3)
                    continue
                self._last_renew = time.monotonic()
                self.publisher.connect()
                backoff = 0.0
                self._lead()
            except LeaseLost:
                logger.warning("lease lost to another relay; standing by")
            except (*BROKER_ERRORS, PyMongoError) as exc:
                backoff = min(self.settings.max_backoff_seconds, max(0.25, backoff * 2))
                delay = backoff * random.uniform(0.5, 1.0)
                logger.warning("relay error (%s: %s); retrying in %.2fs", exc.__class__.__name__, exc, delay)
                self.publisher.close()
                self._stop.wait(delay)

    # -- leading: stream + backlog ---------------------------------------------------------------

    def _lead(self) -> None:
        token = self._lease_document().get("resume_token")
        with self._open_stream(token) as stream:
            self.drain_backlog()
            last_poll = time.monotonic()
            self._prune_if_due()
            while not self.stopping:
                ids = self._next_batch_ids(stream)
                if ids:
                    self._publish_ids(ids)
                self._renew_lease_if_due(stream.resume_token)
                now = time.monotonic()
                if not ids and now - last_poll >= self.settings.fallback_poll_seconds:
                    self.drain_backlog()
                    self._prune_if_due()
                    self._record_backlog()
                    last_poll = now

    def _record_backlog(self) -> None:
        """The backlog gauges (read every `fallback_poll_seconds` while idle; during a drain they lag)."""
        pending = {"status": OutboxStatus.PENDING}
        OUTBOX_BACKLOG.set(self.outbox.count_documents(pending))
        oldest = self.outbox.find_one(pending, {"created_at": 1}, sort=[("created_at", 1), ("_id", 1)])
        OUTBOX_OLDEST_AGE.set((datetime.now(UTC) - oldest["created_at"].replace(tzinfo=UTC)).total_seconds() if oldest else 0)

    def _prune_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < self.settings.prune_every_seconds:
            return
        self._last_prune = now
        cutoff = datetime.now(UTC) - timedelta(hours=self.settings.retention_hours)
        deleted = self.outbox.delete_many({"status": OutboxStatus.SENT, "sent_at": {"$lt": cutoff}}).deleted_count
        if deleted:
            logger.info("pruned %d sent outbox record(s) older than %gh", deleted, self.settings.retention_hours)

    def _open_stream(self, token):
        pipeline = [{"$match": {"operationType": "insert"}}]
        options = {"max_await_time_ms": self.settings.await_ms, "batch_size": self.settings.batch_size}
        if token:
            try:
                return self.outbox.watch(pipeline, resume_after=token, **options)
            except OperationFailure as exc:
                logger.warning("resume token no longer valid (%s); falling back to a backlog scan", exc)
        return self.outbox.watch(pipeline, **options)

    def _next_batch_ids(self, stream) -> list:
        """Wait up to `await_ms` for the next change, then take only the changes that came with it.

        Asking the server for more once the received batch is used up would wait another `await_ms`
        before publishing what is already here.
        """
        ids = []
        change = stream.try_next()
        while change is not None:
            ids.append(change["documentKey"]["_id"])
            if len(ids) >= self.settings.batch_size or self.stopping or not _has_buffered_changes(stream):
                break
            change = stream.try_next()
        return ids

    def drain_backlog(self) -> int:
        """Publish every pending record, oldest first; return how many were published."""
        total = 0
        while not self.stopping:
            ids = [
                doc["_id"]
                for doc in self.outbox.find({"status": OutboxStatus.PENDING}, {"_id": 1})
                .sort([("created_at", 1), ("_id", 1)])
                .limit(self.settings.batch_size)
            ]
            if not ids:
                return total
            total += self._publish_ids(ids)
            # A long drain keeps the lease, so a stand-by relay does not take over halfway through it.
            self._renew_lease_if_due()
        return total

    def _publish_ids(self, ids: list) -> int:
        """Publish the still-pending records among `ids` as one batch, in the given order, then mark the
        confirmed ones sent; re-raise the first failure after marking (the rest stay pending)."""
        pending = {doc["_id"]: doc for doc in self.outbox.find({"_id": {"$in": ids}, "status": OutboxStatus.PENDING})}
        records = [pending[record_id] for record_id in ids if record_id in pending]
        if not records:
            return 0
        with RELAY_PUBLISH_SECONDS.time():
            confirmed, error = self.publisher.publish_batch(
                [record["body"] for record in records], [record.get("traceparent", "") for record in records]
            )
        for index in confirmed:
            log_published(records[index])
        RELAY_MESSAGES.labels("confirmed").inc(len(confirmed))
        if len(confirmed) < len(records):
            RELAY_MESSAGES.labels("unconfirmed").inc(len(records) - len(confirmed))
        if confirmed:
            self._mark_sent([records[index]["_id"] for index in confirmed])
        if error is not None:
            raise error
        return len(confirmed)

    def _mark_sent(self, ids: list) -> None:
        """Renew the lease, fenced by its token (raises `LeaseLost`), then mark the records sent.

        Two single-document-atomic writes, not a transaction: a relay killed inside a transaction would leave
        the lease document write-locked until the server expires the transaction (60 s on mongod), and every
        successor would wait that long to take over (decision 90).
        """
        self._renew_lease()
        self.outbox.update_many(
            {"_id": {"$in": ids}, "status": OutboxStatus.PENDING},
            {"$set": {"status": OutboxStatus.SENT, "sent_at": datetime.now(UTC)}},
        )
        self._last_renew = time.monotonic()
        self.published_count += len(ids)
        logger.debug("published %d message(s)", len(ids))

    # -- the lease -----------------------------------------------------------------------------

    def _lease_document(self) -> dict:
        return self.leases.find_one({"name": LEASE_NAME}) or {}

    def _acquire_lease(self) -> bool:
        """Keep the lease while it is this relay's and unexpired; else take it when free or expired, with a
        new fencing token."""
        now = datetime.now(UTC)
        expires = {"expires_at": now + timedelta(seconds=self.settings.lease_seconds)}
        held = self.leases.find_one_and_update(
            {"name": LEASE_NAME, "owner": self.owner, "token": self.token, "expires_at": {"$gte": now}},
            {"$set": expires},
            return_document=ReturnDocument.AFTER,
        )
        if held is not None:
            return True
        try:
            taken = self.leases.find_one_and_update(
                {"name": LEASE_NAME, "$or": [{"expires_at": {"$lt": now}}, {"expires_at": None}]},
                {"$set": {"owner": self.owner, **expires}, "$inc": {"token": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False
        if taken is None or taken.get("owner") != self.owner:
            return False
        self.token = taken["token"]
        return True

    def _renew_lease_if_due(self, resume_token=None) -> None:
        self.heartbeat.beat()
        now = time.monotonic()
        if now - self._last_renew >= self.settings.lease_seconds / 3:
            self._renew_lease(resume_token)
            self.publisher.keep_alive()
            self._last_renew = now

    def _renew_lease(self, resume_token=None) -> None:
        now = datetime.now(UTC)
        update = {"expires_at": now + timedelta(seconds=self.settings.lease_seconds)}
        if resume_token is not None:
            update["resume_token"] = resume_token
        result = self.leases.update_one(self._own_lease, {"$set": update})
        if result.matched_count == 0:
            raise LeaseLost()

    @property
    def _own_lease(self) -> dict:
        return {"name": LEASE_NAME, "owner": self.owner, "token": self.token}

    def _release_lease(self) -> None:
        try:
            self.leases.update_one(self._own_lease, {"$set": {"expires_at": None}})
        except PyMongoError:
            pass


def _has_buffered_changes(stream) -> bool:
    """Whether the change stream holds changes already received, so `try_next` will not wait on the server.

    pymongo offers no public way to ask; where its cursor's buffer is not found, each batch is one
    change, which is still correct and only slower under bursts.
    """
    return bool(getattr(getattr(stream, "_cursor", None), "_data", None))


def log_published(record: dict) -> None:
    """One line (and span, when tracing is on) per confirmed message, in the trace of the request that wrote it."""
    body = record["body"]
    with continued(record.get("traceparent") or None, "outbox.publish", **{"messaging.message.id": body["message_id"]}):
        logger.info("published %s %s", body["type"], body["message_id"], extra={"message_id": body["message_id"]})
