"""The database wrapper: upstream's, with operations that point Django at our compiler module."""

from django_mongodb_backend.base import DatabaseWrapper as UpstreamDatabaseWrapper
from django_mongodb_backend.operations import DatabaseOperations as UpstreamDatabaseOperations


class DatabaseOperations(UpstreamDatabaseOperations):
    compiler_module = "eventhub_common.mongo_backend.compiler"


class DatabaseWrapper(UpstreamDatabaseWrapper):
    ops_class = DatabaseOperations
