"""Developer machine: debug on, dev defaults for every secret."""

from .base import *  # noqa: F403

DEBUG = True
