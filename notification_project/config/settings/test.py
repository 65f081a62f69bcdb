"""Test runs: the same settings against the test database, and an isolated cache namespace."""

import os

from .base import *  # noqa: F403
from .base import CACHES

CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"eventhub-test-{os.getpid()}"}}
