"""Production: the base settings, then the shared hardening (`eventhub_common.production_settings`) and the
token signer."""

from eventhub_common.production_settings import JWT_TOKENS

from .base import *  # noqa: F403
from .base import SIMPLE_JWT

from eventhub_common.production_settings import *  # noqa: F403, E402  (after base: it overrides)

SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_TOKENS.signing_key}
