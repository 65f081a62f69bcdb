"""Production: the base settings, then the shared hardening (`eventhub_common.production_settings`)."""

from .base import *  # noqa: F403

from eventhub_common.production_settings import *  # noqa: F403, E402  (after base: it overrides)
