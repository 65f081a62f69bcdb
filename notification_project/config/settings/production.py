"""Production: the base settings, then the shared hardening (`eventhub_common.production_settings`) and JSON
logs."""

from eventhub_common import django_settings

from .base import *  # noqa: F403
from .base import QUIET_LOGGERS

from eventhub_common.production_settings import *  # noqa: F403, E402  (after base: it overrides)

LOGGING = django_settings.logging_config(QUIET_LOGGERS, default_format="json")  # LOG_FORMAT=text for lines
