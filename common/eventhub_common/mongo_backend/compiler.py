"""Compilers: upstream's, except that a SELECT whose pipeline a `find` can express is sent as `find`, and
that an INSERT skips the SELECT's set-up and sends one document as `insert_one`.

django-mongodb-backend sends every read as an aggregation pipeline, and for an
ordered query it adds an identity `$addFields` of the sort keys before `$sort`
(`[{$match}, {$addFields: {start_time: "$start_time", _id: "$_id"}}, {$sort},
{$limit}]`). A stage between `$match` and `$sort` can keep a server from
answering the sort from an index (SecantusDB scans and sorts in memory; see
docs/performance.md), and the embedded servers run `aggregate` several times
slower than the same `find`. A `find` with filter, projection, sort, skip and
limit is served from the index by every MongoDB, so queries that need nothing
else go as `find`; anything with a join, a group, a subquery, a computed
field or search stays a pipeline, exactly as upstream builds it.
"""

import time

from django_mongodb_backend.compiler import (  # noqa: F401 - the module Django resolves compilers from
    SQLAggregateCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django_mongodb_backend.compiler import SQLInsertCompiler as UpstreamSQLInsertCompiler
from django_mongodb_backend.compiler import SQLCompiler as UpstreamSQLCompiler
from django_mongodb_backend.query import MongoQuery, wrap_database_errors
from django_mongodb_backend.utils import OperationDebugWrapper


class FindOrAggregateQuery(MongoQuery):
    """A MongoQuery that runs as `find` when its pipeline is only match, projection, sort, skip, limit."""

    @wrap_database_errors
    def get_cursor(self):
        arguments = self.find_arguments()
        if arguments is None:
            return super().get_cursor()
        collection = self.compiler.collection
        session = self.compiler.connection.session
        started = time.monotonic()
        cursor = collection.find(**arguments, session=session)
        if isinstance(collection, OperationDebugWrapper):  # DEBUG or a test capturing queries: log it
            collection.log("find", time.monotonic() - started, (arguments,))
        return DatabaseErrorCursor(cursor)

    def find_arguments(self) -> dict | None:
        """`find` keyword arguments equivalent to `get_pipeline()`, or None when it needs a pipeline."""
        if (
            self.search_pipeline
            or self.lookup_pipeline
            or self.subqueries
            or self.aggregation_pipeline
            or self.combinator_pipeline
            or self.subquery_lookup
        ):
            return None
        if any(value != f"${name}" for name, value in (self.extra_fields or {}).items()):
            return None  # a computed field, not the identity $addFields of sort keys
        if any(value not in (1, True) for value in (self.project_fields or {}).values()):
            return None  # a computed projection
        if any(direction not in (1, -1) for direction in (self.ordering or {}).values()):
            return None
        low, high = self.query.low_mark, self.query.high_mark
        if high is not None and high <= low:
            return None  # find's limit 0 means "no limit"; the pipeline's empty result is right
        arguments = {"filter": self.match_mql}
        if self.project_fields:
            arguments["projection"] = self.project_fields
        if self.ordering:
            arguments["sort"] = list(self.ordering.items())
        if low:
            arguments["skip"] = low
        if high is not None:
            arguments["limit"] = high - low
        return arguments


class DatabaseErrorCursor:
    """A `find` cursor whose errors arrive as Django's DatabaseError, as upstream's `aggregate` calls do.

    `aggregate` runs on the call, inside upstream's error wrapper; `find` runs when first iterated.
    """

    def __init__(self, cursor):
        self._cursor = cursor

    def __iter__(self):
        return self

    @wrap_database_errors
    def __next__(self):
        return next(self._cursor)

    next = __next__


class SQLCompiler(UpstreamSQLCompiler):
    query_class = FindOrAggregateQuery


class SQLInsertCompiler(UpstreamSQLInsertCompiler):
    """Upstream's insert without its first step, `pre_sql_setup()`: that builds a SELECT (every column, the
    model's ordering, annotations, search stages) which an insert never reads. It was about a third of an
    insert's CPU (docs/performance.md, finding 33)."""

    def pre_sql_setup(self, with_col_aliases=False):
        return None

    @wrap_database_errors
    def insert(self, docs, returning_fields=None):
        """One document (every `save()` and `create()`) goes as `insert_one`, which skips pymongo's bulk-write
        machinery behind upstream's `insert_many`: 1.6 % of a create's instructions (finding 36)."""
        if len(docs) != 1:
            return super().insert(docs, returning_fields)
        collection = self.collection
        started = time.monotonic()
        inserted_id = collection.insert_one(docs[0], session=self.connection.session).inserted_id
        if isinstance(collection, OperationDebugWrapper):  # DEBUG or a test capturing queries: log it
            collection.log("insert_one", time.monotonic() - started, (docs,))
        return [(inserted_id,)] if returning_fields else []
