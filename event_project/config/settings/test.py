"""Test runs: cheap bcrypt (same algorithm, fewer rounds) and an isolated cache namespace."""

import os

from .base import *  # noqa: F403
from .base import CACHES

BCRYPT_ROUNDS = 4
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"eventhub-test-{os.getpid()}"}}
