"""Production: no default for secrets, hardened cookies and headers."""

from eventhub_common.access_tokens import token_config_from_env
from eventhub_common.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
JWT_TOKENS = token_config_from_env(require_key=True)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
