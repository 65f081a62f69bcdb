"""Code shared by the event service and the notification service.

Nothing here imports Django: both services install this package and depend on
it, never on each other. It holds the broker message contract, the broker
topology, access-token verification and environment helpers.
"""
