"""Typed readers for environment variables, shared by both services' settings.

Every setting of both services comes from the environment; these helpers make
the type conversions and the "required in production" rule uniform.
"""

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""


def env_str(name: str, default: str | None = None) -> str:
    """Return the variable, or `default`; with no default the variable is required."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise MissingSetting(f"environment variable {name} must be set")
        return default
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise MissingSetting(f"environment variable {name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise MissingSetting(f"environment variable {name} must be a number, got {raw!r}") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise MissingSetting(f"environment variable {name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Comma-separated list; empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


DEFAULT_MONGODB_URI = "mongodb://127.0.0.1:27017/?directConnection=true"


def mongodb_database(name_env: str, default_name: str) -> dict:
    """Django DATABASES entry for django-mongodb-backend from MONGODB_URI.

    The run and test commands start an embedded SecantusDB and export
    MONGODB_URI when none is configured, so this default only matters for a
    `manage.py` started by hand next to a running `make run`.
    """
    return {
        "ENGINE": "eventhub_common.mongo_backend",
        "HOST": env_str("MONGODB_URI", DEFAULT_MONGODB_URI),
        "NAME": env_str(name_env, default_name),
    }
