"""Code shared by the event service and the notification service.

Nothing here imports Django models: both services install this package and
depend on it, never on each other. It holds the broker message contract, the
broker topology, access-token verification and environment helpers, plus the
API conventions both services share (`api_errors`, `api_docs`: DRF code, used
only by the services' web layers).
"""
