"""Test runs: the same settings against the test database."""

from .base import *  # noqa: F403
