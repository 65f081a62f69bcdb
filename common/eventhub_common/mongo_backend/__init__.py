"""django-mongodb-backend, with plain reads sent as `find` instead of `aggregate`.

Use it as the database ENGINE (`eventhub_common.mongo_backend`); everything but
how a simple SELECT reaches the server is the upstream backend's. See
`compiler.py` for what counts as simple and why.
"""
