"""MongoDB helpers for both services: real transactions, retries of transient conflicts, telling an
unavailable database from a failing statement, ObjectId parsing.

`django.db.transaction.atomic` is a no-op on django-mongodb-backend; the
backend's own `atomic` opens a MongoDB session transaction (replica set or
SecantusDB). Code here uses `atomic` from this module only.
"""

import functools
import logging
import random
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from bson import Binary, ObjectId
from bson.binary import UUID_SUBTYPE
from bson.errors import InvalidId
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django_mongodb_backend.transaction import atomic as mongo_atomic
from django_mongodb_backend.transaction import on_commit
from pymongo.errors import ConnectionFailure, PyMongoError

logger = logging.getLogger(__name__)

__all__ = ["atomic", "on_commit", "transactional", "is_database_unavailable", "is_transient_conflict", "parse_object_id"]

TRANSIENT_LABEL = "TransientTransactionError"


def _causes(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def is_transient_conflict(exc: BaseException) -> bool:
    """Whether `exc` is (or was caused by) a transaction conflict MongoDB labels transient: the same work
    succeeds once the other transaction ends (committed, aborted, or expired if its client died)."""
    return any(isinstance(cause, PyMongoError) and cause.has_error_label(TRANSIENT_LABEL) for cause in _causes(exc))


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says MongoDB did not answer (a lost connection, no server, a timeout, Django's wrapper
    of one), rather than that a statement failed: the same work can succeed once the database is back."""
    return any(
        isinstance(cause, PyMongoError) and (isinstance(cause, ConnectionFailure) or cause.timeout) for cause in _causes(exc)
    )


@contextmanager
def atomic(using: str = DEFAULT_DB_ALIAS):
    """The backend's `atomic`, which also lets go of a session it was left holding.

    When `commitTransaction` itself fails with a driver error (a deadline expiring while the database
    stalls), the backend's `atomic` neither rolls back nor ends the session (it catches only Django's
    `DatabaseError`); and it starts a transaction only when it holds no session. Every later transaction
    of that thread would then run outside a transaction and fail at commit ("No transaction started").
    """
    connection = connections[using]
    try:
        with mongo_atomic(using):
            yield
    except BaseException:
        if not connection.in_atomic_block_mongo and connection.session is not None:
            session, connection.session = connection.session, None
            try:
                session.end_session()
            except PyMongoError:
                pass  # the database is away; its server session is killed or expires there
        raise


class _AbandonedSessions:
    """Sessions whose transaction was cut off by a deadline, to be killed once the database answers again.

    When `pymongo.timeout` expires inside a transaction, the driver gives up on `abortTransaction` too (it
    ignores that error), so the server may keep the transaction open, holding its write locks, until its
    lifetime limit (60 s on MongoDB): every later transaction writing the same document (the notification
    counter, say) fails with a WriteConflict meanwhile. `killSessions` aborts it at once.
    """

    def __init__(self):
        self._ids: list[dict] = []
        self._lock = threading.Lock()

    def add(self, session_id: dict) -> None:
        with self._lock:
            self._ids.append(session_id)

    def kill(self, connection) -> None:
        """Kill the sessions through `connection` (a Django connection of the MongoDB backend)."""
        with self._lock:
            ids, self._ids = self._ids, []
        if not ids:
            return
        try:
            connection.ensure_connection()
            connection.connection.admin.command("killSessions", ids)
            logger.info("killed %d session(s) whose transaction a deadline had cut off", len(ids))
        except PyMongoError:
            with self._lock:
                self._ids = ids + self._ids  # still unavailable: the next transaction tries again


_abandoned = _AbandonedSessions()


class SessionJournal:
    """A file naming the session whose transaction this process has open, so that the process started after
    a crash (`kill -9`) can abort it at once.

    A transaction whose client died stays open on the server, holding its documents, until the server
    expires it (`transactionLifetimeLimitSeconds`, 60 s on mongod; the Python SecantusDB server longer):
    every transaction writing the same document (the notification counter) conflicts meanwhile. Two small
    writes per transaction, to a file no other process writes (the consumer's, CONSUMER_SESSION_FILE).
    """

    def __init__(self, path: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def opened(self, session_id: dict) -> None:
        self.path.write_text(bytes(session_id["id"]).hex())

    def closed(self) -> None:
        self.path.write_text("")

    def abort_left_open(self, connection) -> bool:
        """Kill the session a previous process of this journal left in a transaction; whether there was one."""
        try:
            left = self.path.read_text().strip()
        except FileNotFoundError:
            return False
        if not left:
            return False
        connection.ensure_connection()
        connection.connection.admin.command("killSessions", [{"id": Binary(bytes.fromhex(left), UUID_SUBTYPE)}])
        self.closed()
        logger.info("killed the transaction a previous process left open (session %s)", left)
        return True


_journal: SessionJournal | None = None


def keep_session_journal(path: str) -> SessionJournal:
    """Record every `transactional` transaction of this process in the journal at `path`."""
    global _journal
    _journal = SessionJournal(path)
    return _journal


def transactional(func=None, *, attempts: int = 5):
    """Run `func` in one transaction, retrying it when MongoDB reports a transient conflict.

    Concurrent writes to one document abort all but one transaction with a
    WriteConflict labelled TransientTransactionError; MongoDB's documented
    answer is to retry the whole transaction. A transaction cut off because the
    database did not answer is not retried here, and its session is killed
    before the next transaction (`_AbandonedSessions`).
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            connection = connections[DEFAULT_DB_ALIAS]
            _abandoned.kill(connection)
            for attempt in range(1, attempts + 1):
                session_id = None
                try:
                    with atomic():
                        session_id = connection.session.session_id
                        if _journal is not None:
                            _journal.opened(session_id)
                        return fn(*args, **kwargs)
                except (DatabaseError, PyMongoError) as exc:
                    if is_database_unavailable(exc) and session_id is not None:
                        _abandoned.add(session_id)
                    if attempt == attempts or not is_transient_conflict(exc) or is_database_unavailable(exc):
                        raise  # (an unavailable database is labelled transient too, but is the caller's to wait for)
                    logger.info("retrying transaction %s after transient error (attempt %d)", fn.__name__, attempt)
                    time.sleep(random.uniform(0, min(0.005 * 2**attempt, 0.2)))  # jittered: contenders spread out
                finally:
                    if _journal is not None and session_id is not None:
                        _journal.closed()
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func is not None else decorate


def parse_object_id(value) -> ObjectId | None:
    """The ObjectId in `value` (24 hex characters), or None when malformed."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(str(value))
    except (InvalidId, TypeError):
        return None
