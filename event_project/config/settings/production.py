"""Production: the base settings, then the shared hardening (`eventhub_common.production_settings`), the
token signer and JSON logs."""

from eventhub_common import django_settings
from eventhub_common.production_settings import JWT_TOKENS

from .base import *  # noqa: F403
from .base import QUIET_LOGGERS, SIMPLE_JWT

from eventhub_common.production_settings import *  # noqa: F403, E402  (after base: it overrides)

SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_TOKENS.signing_key}
LOGGING = django_settings.logging_config(QUIET_LOGGERS, default_format="json")  # LOG_FORMAT=text for lines
